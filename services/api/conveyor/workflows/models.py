"""A workflow: jobs and the dependencies between them (a DAG), submitted in one request.

Each job of a workflow is a ``Job`` row like any other (``Job.workflow_id`` names its
workflow); a ``Step`` holds what the workflow adds to it (its name in the workflow, what
happens to it when a dependency fails, the param its dependencies' results go to) and a
``Dependency`` row says that one job waits for another. The workflow's state follows from
its jobs' and is stored when the last one ends (``services.finish_if_done``).
"""

from __future__ import annotations

import re
import uuid

from django.db import models

from conveyor.clients.models import ApiClient
from conveyor.jobs.models import Job

#: A job's id in its workflow request (and its name in the workflow).
STEP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class WorkflowState(models.TextChoices):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OnDependencyFailure(models.TextChoices):
    #: A dependency that fails or is cancelled cancels the job (and what waits for it).
    CANCEL = "cancel"
    #: The job runs once every dependency has ended, however; a failure is in its input.
    RUN = "run"


class Workflow(models.Model):
    #: The workflow's id, as ``/v1/workflows/{id}`` names it.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    #: The client that submitted it; it sees it and its jobs, no other client does.
    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="workflows")
    #: A name for people (``nightly-report``), not unique.
    name = models.CharField(max_length=200, blank=True, default="")
    labels = models.JSONField(default=dict)
    #: running until every job has ended; then succeeded (all succeeded), cancelled (a
    #: cancel was asked for) or failed.
    state = models.CharField(
        max_length=16, choices=WorkflowState.choices, default=WorkflowState.RUNNING
    )
    created_at = models.DateTimeField()
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["client", "-created_at"], name="workflow_client_created"),
            models.Index(fields=["state", "updated_at"], name="workflow_state_updated"),
        ]

    def __str__(self) -> str:
        return f"workflow {self.name or self.id} ({self.state})"


class Step(models.Model):
    """What a workflow adds to one of its jobs."""

    #: The job (one step per job).
    job = models.OneToOneField(Job, on_delete=models.CASCADE, primary_key=True, related_name="+")
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="steps")
    #: The job's name in its workflow: the request's local id (``resize-3``).
    name = models.CharField(max_length=100)
    #: Its place in the workflow's jobs: the request's order, then the order spawned.
    position = models.PositiveIntegerField()
    on_dependency_failure = models.CharField(
        max_length=16, choices=OnDependencyFailure.choices, default=OnDependencyFailure.CANCEL
    )
    #: The param the job's dependencies' results are given in when it is released
    #: (``{name: {"state", "result" | "error"}}``); empty for none.
    results_param = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workflow", "name"], name="step_workflow_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} of {self.workflow_id}"


class Dependency(models.Model):
    """``job`` waits for ``upstream``."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="+", db_index=False)
    upstream = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "upstream"], name="dependency_job_upstream"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} waits for {self.upstream_id}"
