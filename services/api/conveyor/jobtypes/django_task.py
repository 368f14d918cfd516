"""``django.task``: one task of a Django project's Tasks framework (``@task``), run by path.

A project's ``TASKS`` backend (``conveyor/djangotasks/backend.py``) submits one job of
this type per ``enqueue``; its handler (``conveyor_worker/handlers/django_task.py``)
imports the task by its module path and calls it with the stored arguments. The
arguments are JSON, as Django's Tasks framework requires (docs/django.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field, JsonValue, field_validator

from conveyor.jobs.types import JobParams, RetryPolicy, job_type

# A dotted path of identifiers, at least module.function. Checked by a validator, not
# stated as the schema's `pattern`: schemathesis 4.32's coverage phase crashes Python 3.11
# ("AST constructor recursion depth mismatch") on this repeated group.
MODULE_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")


class DjangoTaskParams(JobParams):
    task: str = Field(
        min_length=3,
        max_length=300,
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

    @field_validator("task")
    @classmethod
    def _a_module_path(cls, value: str) -> str:
        if not MODULE_PATH.fullmatch(value):
            raise ValueError("must be a task's module path, module.function (dotted names)")
        return value


def _advertised(params: Mapping[str, Any]) -> None:
    """The task was advertised by a worker, and the arguments fit its signature."""
    from conveyor.djangotasks.admission import check_django_task  # reads the database

    check_django_task(params)


DJANGO_TASK = job_type(
    "django.task",
    params=DjangoTaskParams,
    time_limit=timedelta(minutes=10),
    retry=RetryPolicy(max_attempts=3),
    description="A task of a Django project's Tasks framework (@task), imported by its path.",
    check=_advertised,
)
