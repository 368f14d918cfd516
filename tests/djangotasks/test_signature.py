"""A task's argument schema, derived from its signature (what workers advertise and the
API checks ``django.task`` jobs against): annotations JSON Schema can state become types,
anything else accepts any JSON value."""

from __future__ import annotations

from typing import Any

import pytest

from conveyor.djangotasks.compat import TaskContext
from conveyor.djangotasks.signature import argument_problems, task_signature

try:
    from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Django 5.2: the django-tasks backport
    from django_tasks import task  # type: ignore[assignment,no-redef,unused-ignore]


class Customer:
    """A class of the project's: no JSON Schema for it."""


@task
def typed(
    count: int,
    name: str,
    ratio: float,
    flag: bool,
    items: list[int],
    extra: dict[str, str],
    maybe: int | None = None,
) -> None:
    """Every annotation the schema states."""


@task
def loose(who: Customer, anything, *rest: int, **options: Any) -> None:  # type: ignore[no-untyped-def]
    pass


@task(takes_context=True)
def with_context(context: TaskContext[..., Any], order_id: int) -> None:
    pass


def test_annotations_become_json_schema_types() -> None:
    signature = task_signature(typed)
    assert signature.positional == ["count", "name", "ratio", "flag", "items", "extra", "maybe"]
    assert not signature.var_positional
    properties = signature.params_schema["properties"]
    assert properties["count"] == {"type": "integer"}
    assert properties["name"] == {"type": "string"}
    assert properties["ratio"] == {"type": "number"}
    assert properties["flag"] == {"type": "boolean"}
    assert properties["items"] == {"type": "array", "items": {"type": "integer"}}
    assert properties["extra"] == {"type": "object", "additionalProperties": {"type": "string"}}
    assert properties["maybe"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert signature.params_schema["required"] == [
        "count",
        "name",
        "ratio",
        "flag",
        "items",
        "extra",
    ]
    assert signature.params_schema["additionalProperties"] is False


def test_what_has_no_schema_accepts_any_json() -> None:
    signature = task_signature(loose)
    assert signature.params_schema["properties"] == {"who": {}, "anything": {}}
    assert signature.var_positional
    assert signature.params_schema["additionalProperties"] is True
    assert argument_problems("loose", signature, [{"id": 1}, None, 1, 2], {"x": [1]}) == []


def test_the_context_is_not_an_argument() -> None:
    signature = task_signature(with_context)
    assert signature.positional == ["order_id"]
    assert signature.params_schema["properties"] == {"order_id": {"type": "integer"}}


def test_arguments_that_fit_have_no_problems() -> None:
    signature = task_signature(typed)
    assert argument_problems("typed", signature, [1, "a", 0.5, True, [1], {"k": "v"}], {}) == []
    assert argument_problems("typed", signature, [1, "a", 2, False, [], {}], {"maybe": None}) == []


@pytest.mark.parametrize(
    ("args", "kwargs", "field", "says"),
    [
        ([1, "a", 0.5, "yes", [1], {}], {}, "params.args[3]", "'yes' is not of type 'boolean'"),
        ([True, "a", 0.5, True, [1], {}], {}, "params.args[0]", "True is not of type 'integer'"),
        ([1, "a", 1, True, ["x"], {}], {}, "params.args[4]", "argument 'items'[0]"),
        ([1, "a", 1, True, [], {"k": 1}], {}, "params.args[5]", "argument 'extra'['k']"),
        ([1], {}, "params.kwargs", "'name' is a required property"),
        ([1, "a", 1, True, [], {}], {"nope": 1}, "params.kwargs", "'nope' was unexpected"),
        ([1, "a", 1, True, [], {}], {"count": 2}, "params.kwargs.count", "given twice"),
        ([1, "a", 1, True, [], {}, None, 9], {}, "params.args", "at most 7 positional"),
    ],
    ids=[
        "bool",
        "bool-is-not-int",
        "list-items",
        "dict-values",
        "missing",
        "unexpected",
        "twice",
        "too-many",
    ],
)
def test_arguments_are_checked_against_the_schema(
    args: list[Any], kwargs: dict[str, Any], field: str, says: str
) -> None:
    problems = argument_problems("typed", task_signature(typed), args, kwargs)
    assert any(p.field == field and says in p.message for p in problems), problems
