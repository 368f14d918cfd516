"""Workers advertise the Django tasks they can run: at start, a worker with a project's
settings finds its ``@task`` functions and writes one ``AdvertisedTask`` row each (its
module path, queue, argument schema), which ``GET /v1/job-types`` lists and each
``django.task`` submission is checked against (``admission.py``, docs/django.md).

Where tasks are found: the ``tasks`` module of every installed app (as Celery's
``autodiscover_tasks`` looks), and the modules ``CONVEYOR_TASK_MODULES`` names.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import module_has_submodule

from conveyor.djangotasks.compat import Task
from conveyor.djangotasks.signature import task_signature
from conveyor.jobs.models import AdvertisedTask


def task_modules() -> list[str]:
    """The modules whose tasks this process advertises."""
    found = [
        f"{config.name}.tasks"
        for config in apps.get_app_configs()
        if module_has_submodule(config.module, "tasks")
    ]
    return [*found, *(m for m in settings.CONVEYOR_TASK_MODULES if m not in found)]


def discovered_tasks(modules: Iterable[str]) -> list[Task[..., Any]]:
    """The tasks defined in ``modules`` (each once, by module path; a module that fails to
    import stops the worker at start, as a broken handler module does)."""
    tasks: dict[str, Task[..., Any]] = {}
    for name in modules:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, Task):
                tasks.setdefault(value.module_path, value)
    return [tasks[path] for path in sorted(tasks)]


def _description(task: Task[..., Any]) -> str:
    doc = inspect.getdoc(task.func) or ""
    return doc.splitlines()[0] if doc else ""


def advertise(tasks: Iterable[Task[..., Any]], *, worker: str, now: datetime) -> int:
    """Write (or replace) the rows of ``tasks``; how many."""
    rows = []
    for task in tasks:
        signature = task_signature(task)
        rows.append(
            AdvertisedTask(
                path=task.module_path,
                queue=task.queue_name,
                description=_description(task),
                params_schema=signature.params_schema,
                positional=signature.positional,
                var_positional=signature.var_positional,
                takes_context=task.takes_context,
                worker=worker,
                advertised_at=now,
            )
        )
    AdvertisedTask.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["path"],
        update_fields=[
            "queue",
            "description",
            "params_schema",
            "positional",
            "var_positional",
            "takes_context",
            "worker",
            "advertised_at",
        ],
    )
    return len(rows)
