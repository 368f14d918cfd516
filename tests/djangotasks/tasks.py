"""Tasks as a Django project writes them (Django's Tasks documentation), for the backend's
tests: nothing here knows conveyor."""

from __future__ import annotations

from typing import Any

try:
    from django.tasks import TaskContext, task  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Django 5.2: the django-tasks backport
    from django_tasks import TaskContext, task  # type: ignore[assignment,no-redef,unused-ignore]


class FlakyError(Exception):
    """What the flaky task raises on its first attempt."""


@task
def add(a: int, b: int) -> int:
    return a + b


@task(takes_context=True)
def flaky(context: TaskContext[..., Any], label: str) -> dict[str, Any]:
    """Fails on its first attempt; on a later one, says which attempt and result it is."""
    if context.attempt == 1:
        raise FlakyError(f"{label}: the first attempt fails")
    return {"label": label, "attempt": context.attempt, "result_id": context.task_result.id}


def not_a_task(a: int) -> int:
    """A plain function: a django.task job naming it must not run it."""
    return a


@task
async def multiply(a: int, b: int) -> int:
    """A coroutine task: the worker runs it with async_to_sync."""
    return a * b
