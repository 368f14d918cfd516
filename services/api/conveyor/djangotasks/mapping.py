"""What both backends (in-process and over REST) share: how conveyor's job states map
onto Django's ``TaskResultStatus``, and which object a ``django.task`` job may run.

No models here: the REST backend runs in projects without conveyor's apps.

scheduled, queued and retrying are READY (waiting to run, again for a retry); running and
cancelling are RUNNING; succeeded is SUCCESSFUL; failed and cancelled are FAILED (Django
has no cancelled).
"""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string

from conveyor.djangotasks.compat import Task, TaskResultStatus
from conveyor.jobs.states import JobState

STATUS_OF_STATE: dict[str, TaskResultStatus] = {
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
