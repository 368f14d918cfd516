"""Handler of ``django.task`` (``conveyor/jobtypes/django_task.py``): import a Django
project's task by its path and call it with the job's arguments.

The worker runs with the project's settings (``DJANGO_SETTINGS_MODULE``), so the task
uses the project's models and settings. Only objects made with ``@task`` run; a path
naming anything else fails the job without a retry.

Django's ``task_started`` and ``task_finished`` signals are sent here, where Django's own
backends send them (around the call, the backend's class as sender): ``task_started``
before each attempt, ``task_finished`` once the task will not run again (it returned, or
raised on its last attempt or with an error that is not retried), inside the ``except``
block as Django does, so a receiver's ``logging.exception`` has the error.
"""

from __future__ import annotations

import traceback
from typing import Any

from django.utils import timezone

from conveyor.jobs.types import JobContext, PermanentError
from conveyor.jobtypes.django_task import DJANGO_TASK, DjangoTaskParams
from conveyor_worker.registry import handler


@handler(DJANGO_TASK)
def run_django_task(ctx: JobContext, params: DjangoTaskParams) -> Any:
    """Call the task; its return value (as JSON) is the job's result."""
    try:
        from conveyor.djangotasks.compat import (
            TaskContext,
            TaskError,
            TaskResultStatus,
            normalize_json,
            task_finished,
            task_started,
        )
        from conveyor.djangotasks.mapping import NotATaskError, load_task
        from conveyor.djangotasks.results import job_task_result
    except ImportError as exc:
        raise PermanentError(
            f"this worker has no Django Tasks framework ({exc}): run it on Django 6, or "
            "install conveyor[tasks] (the django-tasks backport) on Django 5.2"
        ) from None
    from conveyor.jobs.models import Job

    try:
        task = load_task(params.task)
    except NotATaskError as exc:
        raise PermanentError(str(exc)) from None
    job = Job.objects.get(pk=ctx.job_id)
    # RUNNING, this attempt's worker last in worker_ids, as the claim recorded it
    result = job_task_result(job, task=task, backend=task.backend)
    sender = type(task.get_backend())
    task_started.send(sender=sender, task_result=result)
    try:
        if task.takes_context:
            value = task.call(TaskContext(task_result=result), *params.args, **params.kwargs)
        else:
            value = task.call(*params.args, **params.kwargs)
        value = normalize_json(value)
    except Exception as exc:
        if DJANGO_TASK.retry.retries(exc) and ctx.attempt < job.max_attempts:
            raise  # READY again: it is not finished
        error = TaskError(
            exception_class_path=f"{type(exc).__module__}.{type(exc).__qualname__}",
            traceback="".join(traceback.format_exception(exc)),
        )
        result.errors.append(error)
        object.__setattr__(result, "status", TaskResultStatus.FAILED)
        object.__setattr__(result, "finished_at", timezone.now())
        task_finished.send(sender=sender, task_result=result)
        raise
    object.__setattr__(result, "status", TaskResultStatus.SUCCESSFUL)
    object.__setattr__(result, "finished_at", timezone.now())
    object.__setattr__(result, "_return_value", value)
    task_finished.send(sender=sender, task_result=result)
    return value
