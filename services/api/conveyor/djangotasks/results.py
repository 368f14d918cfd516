"""A ``django.task`` job read back as Django's ``TaskResult``, from its row and its
attempts (states mapped as ``mapping`` says; docs/django.md). Each attempt that ended in
an error gives one ``TaskError``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from conveyor.djangotasks.compat import (
    InvalidTask,
    Task,
    TaskError,
    TaskResult,
    TaskResultStatus,
)
from conveyor.djangotasks.mapping import STATUS_OF_STATE
from conveyor.jobs.models import Job, JobAttempt
from conveyor.jobs.states import LEASED_STATES

P = ParamSpec("P")
R = TypeVar("R")

# The outcomes of attempts that ended in an error (LOST and INTERRUPTED attempts did not
# end: their worker went away).
ERROR_OUTCOMES = frozenset(
    {JobAttempt.Outcome.FAILED, JobAttempt.Outcome.RETRYING, JobAttempt.Outcome.TIMED_OUT}
)


def _run_after(params: dict[str, Any]) -> datetime | None:
    text = params.get("run_after")
    return datetime.fromisoformat(text) if text else None


def task_result(
    job: Job, attempts: Sequence[JobAttempt], *, task: Task[P, R], backend: str
) -> TaskResult[P, R]:
    """The job as Django's ``TaskResult``; ``attempts`` are its attempts, oldest first."""
    params: dict[str, Any] = job.params
    # this process's backend of the task may refuse them: then the task as declared
    with contextlib.suppress(InvalidTask):
        task = task.using(
            priority=int(params.get("priority", 0)),
            queue_name=job.queue,
            run_after=_run_after(params),
        )
    worker_ids = [attempt.worker for attempt in attempts]
    if job.state in LEASED_STATES:
        worker_ids.append(job.lease_owner)  # the attempt under way
    errors = [
        TaskError(
            exception_class_path=attempt.error_path or attempt.error_type,
            traceback=attempt.error_traceback,
        )
        for attempt in attempts
        if attempt.outcome in ERROR_OUTCOMES
    ]
    status = STATUS_OF_STATE[job.state]
    result: TaskResult[P, R] = TaskResult(
        task=task,
        id=str(job.pk),
        status=status,
        enqueued_at=job.created_at,
        started_at=attempts[0].started_at if attempts else job.started_at,
        finished_at=job.finished_at,
        last_attempted_at=job.started_at,
        args=list(params.get("args", [])),
        kwargs=dict(params.get("kwargs", {})),
        backend=backend,
        errors=errors,
        worker_ids=worker_ids,
    )
    if status == TaskResultStatus.SUCCESSFUL:
        object.__setattr__(result, "_return_value", job.result)
    return result
