"""``flatten_field_errors``: DRF's nested error detail as a flat ``{field, message, code}``."""

from __future__ import annotations

from rest_framework.exceptions import ErrorDetail

from conveyor.core.problems import flatten_field_errors, problem


def E(message: str, code: str) -> ErrorDetail:
    return ErrorDetail(message, code=code)


def test_a_flat_mapping_keeps_field_message_and_code() -> None:
    detail = {"priority": [E("Too big.", "max_value")], "type": [E("Required.", "required")]}

    assert flatten_field_errors(detail) == [
        {"field": "priority", "message": "Too big.", "code": "max_value"},
        {"field": "type", "message": "Required.", "code": "required"},
    ]


def test_several_messages_for_one_field_are_several_errors() -> None:
    detail = {"labels": [E("One.", "a"), E("Two.", "b")]}

    assert [e["message"] for e in flatten_field_errors(detail)] == ["One.", "Two."]


def test_non_field_errors_have_an_empty_field_at_the_top() -> None:
    detail = {"non_field_errors": [E("Expected a dictionary.", "invalid")]}

    assert flatten_field_errors(detail) == [
        {"field": "", "message": "Expected a dictionary.", "code": "invalid"}
    ]


def test_nested_mappings_are_joined_with_dots() -> None:
    detail = {
        "labels": {"k": [E("Too long.", "max_length")]},
        "params": {"non_field_errors": [E("Bad.", "invalid")]},
    }

    assert flatten_field_errors(detail) == [
        {"field": "labels.k", "message": "Too long.", "code": "max_length"},
        {"field": "params", "message": "Bad.", "code": "invalid"},
    ]


def test_lists_of_objects_are_indexed() -> None:
    detail = {"jobs": [{}, {"type": [E("Unknown.", "unknown")]}]}

    assert flatten_field_errors(detail) == [
        {"field": "jobs[1].type", "message": "Unknown.", "code": "unknown"}
    ]


def test_a_plain_string_gets_the_invalid_code() -> None:
    assert flatten_field_errors(["Nope."]) == [{"field": "", "message": "Nope.", "code": "invalid"}]
    assert flatten_field_errors("Nope.", "x") == [
        {"field": "x", "message": "Nope.", "code": "invalid"}
    ]


def test_a_problem_omits_empty_instance_and_errors() -> None:
    body = problem(status=409, code="conflict", title="Conflict", detail="Already done.")

    assert body == {
        "type": "https://conveyor.dev/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "Already done.",
    }
