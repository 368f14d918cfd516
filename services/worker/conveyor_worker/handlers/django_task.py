"""Handler of ``django.task`` (``conveyor/jobtypes/django_task.py``): import a Django
project's task by its path and call it with the job's arguments.

The worker runs with the project's settings (``DJANGO_SETTINGS_MODULE``), so the task
uses the project's models and settings. Only objects made with ``@task`` run; a path
naming anything else fails the job without a retry.
"""

from __future__ import annotations

from typing import Any

from conveyor.jobs.types import JobContext, PermanentError
from conveyor.jobtypes.django_task import DJANGO_TASK, DjangoTaskParams
from conveyor_worker.registry import handler


@handler(DJANGO_TASK)
def run_django_task(ctx: JobContext, params: DjangoTaskParams) -> Any:
    """Call the task; its return value (as JSON) is the job's result."""
    try:
        from conveyor.djangotasks.compat import TaskContext, normalize_json
        from conveyor.djangotasks.mapping import NotATaskError, load_task
        from conveyor.djangotasks.results import task_result
    except ImportError as exc:
        raise PermanentError(
            f"this worker has no Django Tasks framework ({exc}): run it on Django 6, or "
            "install conveyor[tasks] (the django-tasks backport) on Django 5.2"
        ) from None
    try:
        task = load_task(params.task)
    except NotATaskError as exc:
        raise PermanentError(str(exc)) from None
    if task.takes_context:
        from conveyor.jobs.models import Job

        job = Job.objects.get(pk=ctx.job_id)
        attempts = list(job.attempt_records.order_by("number", "started_at"))
        running = task_result(job, attempts, task=task, backend=task.backend)
        value = task.call(TaskContext(task_result=running), *params.args, **params.kwargs)
    else:
        value = task.call(*params.args, **params.kwargs)
    return normalize_json(value)
