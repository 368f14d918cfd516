"""``django.task``: one task of a Django project's Tasks framework (``@task``), run by path.

A project's ``TASKS`` backend (``conveyor/djangotasks/backend.py``) submits one job of
this type per ``enqueue``; its handler (``conveyor_worker/handlers/django_task.py``)
imports the task by its module path and calls it with the stored arguments. The
arguments are JSON, as Django's Tasks framework requires (docs/django.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field, JsonValue

from conveyor.jobs.types import JobParams, RetryPolicy, job_type


class DjangoTaskParams(JobParams):
    task: str = Field(
        max_length=300,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$",
        description="the task's module path (module.function), as Task.module_path gives it",
    )
    args: list[JsonValue] = Field(default_factory=list, description="positional arguments")
    kwargs: dict[str, JsonValue] = Field(default_factory=dict, description="keyword arguments")
    priority: int = Field(
        default=0, ge=-100, le=100, description="the task's priority as Django states it"
    )
    run_after: datetime | None = Field(
        default=None, description="the task's run_after, as the project enqueued it"
    )


DJANGO_TASK = job_type(
    "django.task",
    params=DjangoTaskParams,
    time_limit=timedelta(minutes=10),
    retry=RetryPolicy(max_attempts=3),
    description="A task of a Django project's Tasks framework (@task), imported by its path.",
)
