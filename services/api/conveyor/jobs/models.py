"""The Job row: the single source of truth for a job. The broker only carries its id."""

from __future__ import annotations

import uuid

from django.db import models

from conveyor.clients.models import ApiClient
from conveyor.jobs.states import FINAL_STATES, JobState


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed by job_client_created (client first): a second index would only slow writes.
    client = models.ForeignKey(
        ApiClient, on_delete=models.PROTECT, related_name="jobs", db_index=False
    )
    type = models.CharField(max_length=100)
    params = models.JSONField(default=dict)
    queue = models.CharField(max_length=100)
    # 0 (lowest) to 9 (highest).
    priority = models.PositiveSmallIntegerField(default=5)
    labels = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=JobState.choices)
    # The workflow the job is a step of (conveyor/workflows), None for a job on its own.
    # A plain id, not a foreign key: jobs know no feature built on them. A worker's claim
    # loads it, so the workflow's hook on the job's end needs no query to know it applies.
    workflow_id = models.UUIDField(null=True, blank=True)
    # Where conveyor POSTs the job, signed, when it ends ("" for none; conveyor/webhooks).
    webhook_url = models.CharField(max_length=2000, blank=True, default="")

    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField()
    timeout_seconds = models.PositiveIntegerField()

    progress_percent = models.FloatField(null=True, blank=True)
    progress_message = models.CharField(max_length=500, blank=True, default="")
    result = models.JSONField(null=True, blank=True)
    error_type = models.CharField(max_length=200, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    # For operators (admin); never returned by the API.
    error_traceback = models.TextField(blank=True, default="")

    # The id of the message the current attempt came from (the Celery task id).
    message_id = models.UUIDField(null=True, blank=True)
    # When the job's message was last sent (or attempted). The reconciler publishes again
    # queued jobs whose message went missing (broker down at submit, broker data lost).
    published_at = models.DateTimeField(null=True, blank=True)
    # A worker's claim on a running job: a fresh token per attempt, renewed until done.
    lease_token = models.UUIDField(null=True, blank=True)
    lease_owner = models.CharField(max_length=200, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    # When a scheduled or retrying job becomes due.
    run_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    #: The W3C trace context (``traceparent``, ``tracestate``) of the span that submitted
    #: the job, so its run joins that trace whichever message delivers it (core/tracing.py);
    #: empty when tracing is off.
    trace_context = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["client", "-created_at"], name="job_client_created"),
            models.Index(fields=["state", "run_at"], name="job_state_run_at"),
            models.Index(fields=["queue", "state"], name="job_queue_state"),
            models.Index(fields=["state", "lease_expires_at"], name="job_state_lease"),
            # A client's unfinished jobs, counted against its cap (conveyor/jobs/quotas.py).
            models.Index(
                fields=["client"],
                name="job_client_unfinished",
                condition=~models.Q(state__in=sorted(FINAL_STATES)),
            ),
            # A workflow's jobs (conveyor/workflows); partial: most jobs have none, and
            # their writes leave it alone.
            models.Index(
                fields=["workflow_id"],
                name="job_workflow",
                condition=models.Q(workflow_id__isnull=False),
            ),
            # The retention task's scan: finished jobs, oldest first (conveyor/jobs/retention.py).
            models.Index(
                fields=["finished_at"],
                name="job_finished",
                condition=models.Q(state__in=sorted(FINAL_STATES)),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(priority__lte=9), name="job_priority_0_9"),
            models.CheckConstraint(
                condition=models.Q(state__in=[s.value for s in JobState]),
                name="job_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id} ({self.state})"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


class JobAttempt(models.Model):
    """One run of a job. Its id is the lease token the attempt held, so it is recorded once."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        RETRYING = "retrying"
        CANCELLED = "cancelled"
        TIMED_OUT = "timed_out"
        # The worker vanished (its lease lapsed); the job ran again as a new attempt.
        LOST = "lost"
        # The worker shut down before the attempt ended; the job ran again.
        INTERRUPTED = "interrupted"

    id = models.UUIDField(primary_key=True, editable=False)
    # Indexed by attempt_job_started (job first).
    job = models.ForeignKey(
        Job, on_delete=models.CASCADE, related_name="attempt_records", db_index=False
    )
    number = models.PositiveIntegerField()
    worker = models.CharField(max_length=200, blank=True, default="")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    error_type = models.CharField(max_length=200, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    # The exception's class as a module path (``myapp.tasks.Flaky``) and the attempt's
    # traceback: Django's TaskResult.errors shows them per attempt (conveyor/djangotasks).
    error_path = models.CharField(max_length=300, blank=True, default="")
    error_traceback = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("started_at",)
        indexes = [models.Index(fields=["job", "started_at"], name="attempt_job_started")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.job_id}: {self.outcome}"


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` on a submission, and the job it created.

    One row per (client, key): a second request with the key gets the same job back (its
    body hash must match). Rows older than ``CONVEYOR_IDEMPOTENCY_TTL_SECONDS`` are ignored
    and deleted by the retention task.
    """

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 (hex) of the request body as canonical JSON (sorted keys, no spaces).
    body_hash = models.CharField(max_length=64)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_client_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.key} -> {self.job_id}"


class AdvertisedTask(models.Model):
    """A Django task (``@task``) that a worker started with a project's settings can run.

    Workers write these rows when they start (``conveyor/djangotasks/advertising.py``); the
    API lists them under the ``django.task`` job type of ``GET /v1/job-types`` and refuses a
    ``django.task`` job naming a task no worker advertised, or arguments that do not fit
    its signature. A later start of any worker replaces a task's row (docs/django.md).
    """

    #: The task's module path (``myapp.tasks.send_welcome_email``), as jobs name it.
    path = models.CharField(max_length=300, primary_key=True)
    #: The queue the task names (``@task(queue_name=...)``), ``default`` unless it says.
    queue = models.CharField(max_length=100)
    #: The first line of the task function's docstring.
    description = models.TextField(blank=True, default="")
    #: JSON Schema of an object keyed by parameter name, from the signature's annotations
    #: (int, str, float, bool, list, dict, ...); a parameter without one accepts any JSON.
    params_schema = models.JSONField(default=dict)
    #: The names positional arguments bind to, in order.
    positional = models.JSONField(default=list)
    #: Whether the signature takes ``*args`` (more positional arguments than names).
    var_positional = models.BooleanField(default=False)
    #: Whether the task takes Django's ``TaskContext`` first (not an argument of the job).
    takes_context = models.BooleanField(default=False)
    #: The worker that last advertised it, and when.
    worker = models.CharField(max_length=200, blank=True, default="")
    advertised_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.path
