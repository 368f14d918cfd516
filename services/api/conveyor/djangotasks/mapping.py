"""What both backends (in-process and over REST) share: how conveyor's job states map
onto Django's ``TaskResultStatus``, which object a ``django.task`` job may run, and how a
job (its row, or its API view) reads as a ``TaskResult``.

No models here: the REST backend runs in projects without conveyor's apps.

scheduled, queued and retrying are READY (waiting to run, again for a retry); running and
cancelling are RUNNING; succeeded is SUCCESSFUL; failed and cancelled are FAILED (Django
has no cancelled).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from django.utils.module_loading import import_string

from conveyor.djangotasks.compat import (
    InvalidTask,
    Task,
    TaskError,
    TaskResult,
    TaskResultStatus,
)
from conveyor.jobs.states import LEASED_STATES, JobState

P = ParamSpec("P")
R = TypeVar("R")

STATUS_OF_STATE: dict[str, TaskResultStatus] = {
    JobState.BLOCKED: TaskResultStatus.READY,
    JobState.SCHEDULED: TaskResultStatus.READY,
    JobState.QUEUED: TaskResultStatus.READY,
    JobState.RETRYING: TaskResultStatus.READY,
    JobState.RUNNING: TaskResultStatus.RUNNING,
    JobState.CANCELLING: TaskResultStatus.RUNNING,
    JobState.SUCCEEDED: TaskResultStatus.SUCCESSFUL,
    JobState.FAILED: TaskResultStatus.FAILED,
    JobState.CANCELLED: TaskResultStatus.FAILED,
}


class NotATaskError(ImportError):
    """A ``django.task`` job names something that is not a Django task."""


def load_task(path: str) -> Task[..., Any]:
    """The task at module path ``path`` (``myapp.tasks.send_welcome_email``): only an
    object the project made a task with ``@task`` is ever run."""
    try:
        found = import_string(path)
    except ImportError as exc:
        raise NotATaskError(f"no task at {path!r}: {exc}") from None
    if not isinstance(found, Task):
        raise NotATaskError(
            f"{path!r} is a {type(found).__name__}, not a task: only functions decorated "
            "with @task run as django.task jobs"
        )
    return found


#: The outcomes of attempts that ended in an error (LOST and INTERRUPTED attempts did not
#: end: their worker went away), as ``JobAttempt.Outcome`` and the API name them.
ERROR_OUTCOMES = frozenset({"failed", "retrying", "timed_out"})


@dataclass(frozen=True)
class AttemptSeen:
    """One finished attempt, as the job's row or ``GET /v1/jobs/{id}`` shows it."""

    worker: str
    started_at: datetime
    outcome: str
    error_path: str
    error_traceback: str


@dataclass(frozen=True)
class JobSeen:
    """A ``django.task`` job, as the job's row or ``GET /v1/jobs/{id}`` shows it."""

    id: str
    state: str
    queue: str
    params: Mapping[str, Any]
    created_at: datetime | None
    started_at: datetime | None  # the current (or last) attempt's start
    finished_at: datetime | None
    result: Any
    #: The worker running the current attempt ("" when none runs).
    worker: str
    attempts: Sequence[AttemptSeen] = field(default_factory=list)


def task_result(job: JobSeen, *, task: Task[P, R], backend: str) -> TaskResult[P, R]:
    """The job as Django's ``TaskResult``, the same from either backend: one ``TaskError``
    per attempt that ended in an error, one worker name per attempt (the running one
    last), ``started_at`` the first attempt's start, ``last_attempted_at`` the latest's."""
    params = job.params
    run_after = params.get("run_after")
    # this process's backend of the task may refuse them: then the task as declared
    with contextlib.suppress(InvalidTask):
        task = task.using(
            priority=int(params.get("priority", 0)),
            queue_name=job.queue,
            run_after=datetime.fromisoformat(run_after) if run_after else None,
        )
    worker_ids = [attempt.worker for attempt in job.attempts]
    if job.state in LEASED_STATES:
        worker_ids.append(job.worker)  # the attempt under way
    errors = [
        TaskError(
            exception_class_path=attempt.error_path,
            traceback=attempt.error_traceback,
        )
        for attempt in job.attempts
        if attempt.outcome in ERROR_OUTCOMES
    ]
    status = STATUS_OF_STATE[job.state]
    result: TaskResult[P, R] = TaskResult(
        task=task,
        id=job.id,
        status=status,
        enqueued_at=job.created_at,
        started_at=job.attempts[0].started_at if job.attempts else job.started_at,
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
