"""A ``django.task`` job read back from its row and its attempts as Django's
``TaskResult`` (``mapping.task_result``: the same as the REST backend's; docs/django.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ParamSpec, TypeVar

from conveyor.djangotasks.compat import Task, TaskResult
from conveyor.djangotasks.mapping import AttemptSeen, JobSeen
from conveyor.djangotasks.mapping import task_result as mapped_result
from conveyor.jobs.models import Job, JobAttempt

P = ParamSpec("P")
R = TypeVar("R")


def job_seen(job: Job, attempts: Sequence[JobAttempt]) -> JobSeen:
    """The row and its attempts (oldest first) as both backends read a job."""
    return JobSeen(
        id=str(job.pk),
        state=job.state,
        queue=job.queue,
        params=job.params,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        result=job.result,
        worker=job.lease_owner,
        attempts=[
            AttemptSeen(
                worker=a.worker,
                started_at=a.started_at,
                outcome=a.outcome,
                error_path=a.error_path or a.error_type,
                error_traceback=a.error_traceback,
            )
            for a in attempts
        ],
    )


def task_result(
    job: Job, attempts: Sequence[JobAttempt], *, task: Task[P, R], backend: str
) -> TaskResult[P, R]:
    """The job as Django's ``TaskResult``; ``attempts`` are its attempts, oldest first."""
    return mapped_result(job_seen(job, attempts), task=task, backend=backend)


def job_task_result(job: Job, *, task: Task[P, R], backend: str) -> TaskResult[P, R]:
    """``task_result`` with the job's attempts read from the database."""
    attempts = list(job.attempt_records.order_by("number", "started_at"))
    return task_result(job, attempts, task=task, backend=backend)
