"""A Django task's arguments as JSON Schema, from its signature, and the check of a job's
``args``/``kwargs`` against it (docs/django.md#arguments).

The worker derives a ``TaskSignature`` when it advertises the task; the API checks each
``django.task`` job against it without importing the project's code. A parameter's schema
comes from its annotation where pydantic can state one in plain JSON Schema (``int``,
``str``, ``float``, ``bool``, ``list[int]``, ``dict[str, str]``, ``X | None``, ...); a
parameter without an annotation, or with one that has no such schema (a model, a class
of the project's), accepts any JSON value.

No models here: the worker, the API and both backends use it.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator
from pydantic import TypeAdapter

if TYPE_CHECKING:  # the API checks arguments without Django's Tasks framework installed
    from conveyor.djangotasks.compat import Task

#: The schema of a parameter that accepts any JSON value.
ANY_JSON: dict[str, Any] = {}


@dataclass(frozen=True)
class TaskSignature:
    #: JSON Schema of an object keyed by parameter name (what arguments bind to).
    params_schema: dict[str, Any]
    #: The names positional arguments bind to, in order.
    positional: list[str]
    #: Whether the task takes ``*args``.
    var_positional: bool


@dataclass(frozen=True)
class ArgumentProblem:
    #: Where the argument is in the job's params: ``params.args[0]``, ``params.kwargs.b``.
    field: str
    message: str


def _schema_of(annotation: Any) -> dict[str, Any]:
    """The annotation's JSON Schema, or ``ANY_JSON`` where there is no self-contained one."""
    if annotation is inspect.Parameter.empty or annotation is Any:
        return ANY_JSON
    try:
        schema = TypeAdapter(annotation).json_schema()
    except Exception:  # pydantic has no schema for it (a model instance, a custom class)
        return ANY_JSON
    if "$ref" in repr(schema) or "$defs" in schema:  # refers to definitions elsewhere
        return ANY_JSON
    return schema


def task_signature(task: Task[..., Any]) -> TaskSignature:
    """What a task's signature says its arguments are (the context, if it takes one, is
    not an argument of the job)."""
    parameters = list(inspect.signature(task.func).parameters.values())
    if task.takes_context:
        parameters = parameters[1:]
    try:
        hints = typing.get_type_hints(task.func)
    except Exception:  # an annotation that does not resolve: every parameter accepts any
        hints = {}
    properties: dict[str, Any] = {}
    required: list[str] = []
    positional: list[str] = []
    var_positional = var_keyword = False
    for parameter in parameters:
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            var_positional = True
            continue
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            var_keyword = True
            continue
        if parameter.kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            positional.append(parameter.name)
        properties[parameter.name] = _schema_of(hints.get(parameter.name, parameter.annotation))
        if parameter.default is inspect.Parameter.empty:
            required.append(parameter.name)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": var_keyword,
    }
    return TaskSignature(schema, positional, var_positional)


def argument_problems(
    path: str, signature: TaskSignature, args: Sequence[Any], kwargs: Mapping[str, Any]
) -> list[ArgumentProblem]:
    """What is wrong with calling task ``path`` with these (JSON) arguments: each problem
    names the argument, as the job's params hold it."""
    if len(args) > len(signature.positional) and not signature.var_positional:
        return [
            ArgumentProblem(
                "params.args",
                f"task {path} takes at most {len(signature.positional)} positional "
                f"arguments ({', '.join(signature.positional) or 'none'}); {len(args)} given",
            )
        ]
    bound: dict[str, Any] = {}
    where: dict[str, str] = {}
    for index, (name, value) in enumerate(zip(signature.positional, args, strict=False)):
        bound[name] = value
        where[name] = f"params.args[{index}]"
    problems: list[ArgumentProblem] = []
    for name, value in kwargs.items():
        if name in bound:
            problems.append(
                ArgumentProblem(
                    f"params.kwargs.{name}", f"argument {name!r} is given twice (args and kwargs)"
                )
            )
        bound[name] = value
        where[name] = f"params.kwargs.{name}"
    validator = Draft202012Validator(signature.params_schema)
    for error in sorted(validator.iter_errors(bound), key=lambda e: list(e.path)):
        if error.validator == "required":
            problems.append(ArgumentProblem("params.kwargs", f"task {path}: {error.message}"))
        elif error.validator == "additionalProperties":
            problems.append(
                ArgumentProblem(
                    "params.kwargs", f"task {path} takes no such argument: {error.message}"
                )
            )
        else:
            name = str(error.path[0]) if error.path else ""
            inner = "".join(f"[{p!r}]" for p in list(error.path)[1:])
            problems.append(
                ArgumentProblem(
                    where.get(name, "params"),
                    f"argument {name!r}{inner} of task {path}: {error.message}",
                )
            )
    return problems
