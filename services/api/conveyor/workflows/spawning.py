"""Dynamic fan-out: jobs a handler spawns from inside its run (``ctx.spawn``).

Each spawn is validated when the handler asks for it (a bad one raises ``InvalidInput``
in the handler, which fails or retries the attempt like any error) and kept in memory;
they are stored in the transaction that records the attempt's success, before the job's
final hooks run (``attempts.record_success(..., then=...)``). So nothing is spawned by an
attempt whose outcome does not commit (a failure, a retry, a worker killed mid-outcome),
and an attempt that succeeded is never run again, so nothing is spawned twice.

The spawned jobs join the spawning job's workflow, named ``<its name>/<spawn name>``, or
a new workflow when it has none. A spawn may depend on spawns made before it (the
graph is acyclic by construction): fan-out children and a fan-in that waits for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Max
from django.utils import timezone

from conveyor.clients.models import ApiClient
from conveyor.core.errors import InvalidInput
from conveyor.jobs.lifecycle import message_of
from conveyor.jobs.models import Job
from conveyor.jobs.publishing import bundles_of, publish_on_commit
from conveyor.jobs.services import prepare_job
from conveyor.jobs.states import JobState
from conveyor.workflows.models import STEP_NAME, Dependency, OnDependencyFailure, Step, Workflow

#: At most this many spawns per attempt (a workflow's cap on jobs).
MAX_SPAWNS = 1000


@dataclass
class Spawn:
    name: str
    job: Job
    depends_on: list[str]
    on_dependency_failure: str
    results_param: str


@dataclass
class Spawns:
    """An attempt's spawns, in the order made."""

    parent: Job
    made: list[Spawn] = field(default_factory=list)
    client: ApiClient | None = None

    def add(
        self,
        name: str,
        type: str,
        params: Mapping[str, Any] | None = None,
        *,
        depends_on: Sequence[str] = (),
        results_param: str = "",
        on_dependency_failure: str = OnDependencyFailure.CANCEL,
        now: datetime | None = None,
        **options: Any,
    ) -> None:
        """Validate one spawn and keep it; ``InvalidInput`` says what is wrong."""
        problems = []
        names = {spawn.name for spawn in self.made}
        if not STEP_NAME.fullmatch(name) or name in names:
            problems.append(f"name {name!r} is not 1-100 letters, digits, '.', '_', '-' or is used")
        unknown = [d for d in depends_on if d not in names]
        if unknown:
            problems.append(f"depends_on names no earlier spawn: {', '.join(unknown)}")
        if results_param and not depends_on:
            problems.append("results_param needs depends_on")
        if on_dependency_failure not in OnDependencyFailure.values:
            problems.append(f"on_dependency_failure is one of {OnDependencyFailure.values}")
        if len(self.made) >= MAX_SPAWNS:
            problems.append(f"at most {MAX_SPAWNS} spawns per attempt")
        if problems:
            raise InvalidInput(f"Cannot spawn {name!r}: {'; '.join(problems)}.")
        if self.client is None:
            self.client = ApiClient.objects.get(pk=self.parent.client_id)
        job = prepare_job(
            client=self.client,
            type=type,
            params=dict(params or {}),
            now=now or timezone.now(),
            deferred_param=results_param,
            **options,
        )
        self.made.append(
            Spawn(
                name=name,
                job=job,
                depends_on=list(dict.fromkeys(depends_on)),
                on_dependency_failure=on_dependency_failure,
                results_param=results_param,
            )
        )

    def store(self, *, now: datetime | None = None) -> None:
        """Store the spawns, in the transaction recording the parent's success; their
        messages are sent once it commits."""
        if not self.made:
            return
        now = now or timezone.now()
        parent = self.parent
        prefix = ""
        if parent.workflow_id is None:
            workflow = Workflow.objects.create(
                client_id=parent.client_id,
                name=f"spawned by {parent.type} {parent.pk}"[:200],
                labels=dict(parent.labels),
                created_at=now,
                updated_at=now,
            )
            workflow_id, start = workflow.pk, 0
        else:
            workflow_id = parent.workflow_id
            own = Step.objects.filter(job_id=parent.pk).values_list("name", flat=True).first()
            prefix = f"{own or parent.pk}/"
            last = Step.objects.filter(workflow_id=workflow_id).aggregate(last=Max("position"))
            start = (last["last"] or 0) + 1
        by_name = {spawn.name: spawn.job for spawn in self.made}
        for spawn in self.made:
            spawn.job.workflow_id = workflow_id
            spawn.job.created_at = spawn.job.updated_at = now
            if spawn.depends_on:
                spawn.job.state = JobState.BLOCKED
                spawn.job.queued_at = spawn.job.published_at = None
            elif spawn.job.state == JobState.QUEUED:
                spawn.job.queued_at = spawn.job.published_at = now
        jobs = [spawn.job for spawn in self.made]
        Job.objects.bulk_create(jobs)
        Step.objects.bulk_create(
            Step(
                job=spawn.job,
                workflow_id=workflow_id,
                name=f"{prefix}{spawn.name}"[:100],
                position=start + index,
                on_dependency_failure=spawn.on_dependency_failure,
                results_param=spawn.results_param,
            )
            for index, spawn in enumerate(self.made)
        )
        Dependency.objects.bulk_create(
            Dependency(job=spawn.job, upstream=by_name[upstream])
            for spawn in self.made
            for upstream in spawn.depends_on
        )
        queued = [job for job in jobs if job.state == JobState.QUEUED]
        publish_on_commit(bundles_of([message_of(job) for job in queued]))
