"""Whether conveyor takes a ``django.task`` job: the task it names was advertised by a
worker (``advertising.py``), and its arguments fit the task's signature (docs/django.md).

This is the ``django.task`` job type's ``check``: every submission passes it, in process
(``ConveyorBackend``) and over REST (``POST /v1/jobs``), so a job no worker can run, or
whose arguments its task could never take, is refused at enqueue rather than failing on a
worker. The API imports no project code: it reads the tasks' rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conveyor.core.errors import InvalidInput
from conveyor.djangotasks.signature import TaskSignature, argument_problems
from conveyor.jobs.models import AdvertisedTask


def check_django_task(params: Mapping[str, Any]) -> None:
    """Raise ``InvalidInput`` (a 400, or the backend's ``InvalidTask``) naming the task or
    each argument that does not fit."""
    path = str(params["task"])
    advertised = AdvertisedTask.objects.filter(path=path).first()
    if advertised is None:
        raise InvalidInput(
            f"No worker runs task {path!r}.",
            errors=[
                {
                    "field": "params.task",
                    "message": f"No worker advertised task {path!r}: start a worker with the "
                    "project's settings (the task in an installed app's tasks module, or "
                    "in CONVEYOR_TASK_MODULES); GET /v1/job-types lists the tasks.",
                    "code": "unknown",
                }
            ],
        )
    signature = TaskSignature(
        params_schema=advertised.params_schema,
        positional=list(advertised.positional),
        var_positional=advertised.var_positional,
    )
    problems = argument_problems(path, signature, params["args"], params["kwargs"])
    if problems:
        raise InvalidInput(
            f"The arguments do not fit task {path!r}.",
            errors=[{"field": p.field, "message": p.message, "code": "invalid"} for p in problems],
        )
