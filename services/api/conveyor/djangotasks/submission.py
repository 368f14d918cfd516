"""What a Django task's ``enqueue`` becomes: a ``django.task`` job's submission.

The arguments must fit the task's signature and be JSON (Django's Tasks framework stores
them so); Django's priority (-100 to 100, 0 by default) maps onto conveyor's (0 to 9, 5 by
default).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from conveyor.djangotasks.compat import InvalidTask, Task, normalize_json
from conveyor.djangotasks.signature import TaskSignature, argument_problems, task_signature

#: conveyor's priority of a task of Django's default priority (0).
DEFAULT_PRIORITY = 5


class ArgumentsNotJSONError(TypeError):
    """A task's arguments cannot be stored as JSON (Django's ``normalize_json`` raises
    ``TypeError`` for the same inputs, so callers catching that keep working)."""


def conveyor_priority(priority: int) -> int:
    """Django's -100..100 onto conveyor's 0..9: -100 → 0, 0 → 5, 100 → 9, linear on each
    side of 0 (so the order of any two priorities is kept or made equal, never inverted)."""
    if priority <= 0:
        return DEFAULT_PRIORITY + round(priority * DEFAULT_PRIORITY / 100)
    return DEFAULT_PRIORITY + round(priority * (9 - DEFAULT_PRIORITY) / 100)


class ArgumentsDoNotFitError(TypeError):
    """A task's arguments do not fit its signature (calling it would raise ``TypeError``)."""


def check_signature(task: Task[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    """Refuse, at enqueue, arguments the task could never be called with (a missing or an
    unexpected one), rather than fail every attempt on a worker."""
    signature = inspect.signature(task.func)
    if task.takes_context:  # the worker passes the context first
        parameters = list(signature.parameters.values())[1:]
        signature = signature.replace(parameters=parameters)
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise ArgumentsDoNotFitError(
            f"task {task.module_path}{signature} cannot take these arguments: {exc}"
        ) from None


class ArgumentsInvalidError(InvalidTask, ValueError):
    """A task's argument does not fit its annotation (``order_id: int`` given ``"7"``);
    the message names each argument. The API refuses the same with a 400."""


@lru_cache(maxsize=1024)
def _signature(task: Task[..., Any]) -> TaskSignature:
    return task_signature(task)


def check_argument_types(
    task: Task[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]
) -> None:
    """Refuse JSON arguments that do not fit the schema derived from the task's signature
    (the one its workers advertise: ``signature.py``)."""
    problems = argument_problems(task.module_path, _signature(task), args, kwargs)
    if problems:
        raise ArgumentsInvalidError("; ".join(f"{p.field}: {p.message}" for p in problems))


def json_arguments(
    task: Task[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]
) -> tuple[list[Any], dict[str, Any]]:
    """The arguments as JSON values (tuples become lists), or ``ArgumentsNotJSONError``
    naming the first one that is not."""
    named: list[tuple[str, Any]] = [(f"args[{i}]", value) for i, value in enumerate(args)]
    named += [(f"kwargs[{key!r}]", value) for key, value in kwargs.items()]
    for where, value in named:
        try:
            json.dumps(normalize_json(value), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ArgumentsNotJSONError(
                f"{where} of task {task.module_path} is not JSON ({exc}): a task's "
                "arguments are stored as JSON; pass plain values (an id rather than a "
                "model instance, an ISO string rather than a datetime)"
            ) from None
    return cast("list[Any]", normalize_json(list(args))), cast(
        "dict[str, Any]", normalize_json(dict(kwargs))
    )


def job_submission(
    task: Task[..., Any],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    *,
    max_attempts: int | None = None,
    timeout_seconds: int | None = None,
) -> dict[str, Any]:
    """``job_create``'s keywords (and ``POST /v1/jobs``' body) for one ``enqueue``."""
    check_signature(task, args, kwargs)
    json_args, json_kwargs = json_arguments(task, args, kwargs)
    check_argument_types(task, json_args, json_kwargs)
    run_after: datetime | None = task.run_after
    params: dict[str, Any] = {
        "task": task.module_path,
        "args": json_args,
        "kwargs": json_kwargs,
        "priority": task.priority,
        "run_after": run_after.isoformat() if run_after is not None else None,
    }
    submission: dict[str, Any] = {
        "type": "django.task",
        "params": params,
        "queue": task.queue_name,
        "priority": conveyor_priority(task.priority),
        "run_at": run_after,
    }
    if max_attempts is not None:
        submission["max_attempts"] = max_attempts
    if timeout_seconds is not None:
        submission["timeout_seconds"] = timeout_seconds
    return submission


def refusal(errors: Sequence[Mapping[str, Any]]) -> type[InvalidTask]:
    """The error a backend raises when conveyor refuses a task with these field errors:
    ``ArgumentsInvalidError`` (a ``ValueError`` too) when an argument is at fault."""
    fields = [str(e.get("field", "")) for e in errors]
    if fields and all(f.startswith(("params.args", "params.kwargs")) for f in fields):
        return ArgumentsInvalidError
    return InvalidTask
