"""core/problems.py: DRF's nested error detail as a flat ``{field, message, code}``, and the
table that answers each kind of error."""

from __future__ import annotations

from typing import Any

from django.db import OperationalError, connection
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.exceptions import ErrorDetail

from conveyor.core.errors import Conflict, InvalidInput, NotFound
from conveyor.core.problems import flatten_field_errors, problem, problem_for

Answer = tuple[dict[str, Any], dict[str, str]]


def answer(exc: Exception, instance: str = "") -> Answer:
    """The problem body and headers the API answers ``exc`` with (it must have one)."""
    found = problem_for(exc, instance=instance)
    assert found is not None, f"{exc!r} would be a 500"
    return found


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


def test_a_domain_error_gets_its_status_and_title_from_the_table() -> None:
    errors = [{"field": "params.url", "message": "Required.", "code": "required"}]

    body, headers = answer(InvalidInput("Bad params.", errors=errors), "/v1/jobs")

    assert body == {
        "type": "https://conveyor.dev/problems/invalid-input",
        "title": "Invalid input",
        "status": 400,
        "detail": "Bad params.",
        "instance": "/v1/jobs",
        "errors": errors,
    }
    assert headers == {}


def test_a_kind_not_in_the_table_is_answered_by_its_nearest_base() -> None:
    class Gone(NotFound):
        code = "gone"

    body, _ = answer(Gone("No more."))

    assert (body["status"], body["title"], body["type"]) == (
        404,
        "Not found",
        "https://conveyor.dev/problems/gone",
    )


def test_drf_errors_keep_their_status_and_headers() -> None:
    body, headers = answer(drf.Throttled(wait=3))

    assert (body["status"], body["title"], headers) == (
        429,
        "Too many requests",
        {"Retry-After": "3"},
    )


def test_djangos_404_has_a_fixed_detail() -> None:
    body, _ = answer(Http404("internal words"))

    assert (body["status"], body["detail"]) == (404, "No such resource.")


def test_a_database_error_without_a_connection_is_a_503_to_retry() -> None:
    # given no open database connection (as after the server closed it)
    connection.close()

    # when a query fails
    body, headers = answer(OperationalError("connection refused"))

    # then the client is told to retry shortly
    assert (body["status"], body["type"], headers) == (
        503,
        "https://conveyor.dev/problems/database-unavailable",
        {"Retry-After": "2"},
    )


def test_an_unexpected_error_is_left_to_django_to_log_and_answer_500() -> None:
    assert problem_for(ValueError("a bug")) is None
    assert problem_for(KeyError("also a bug")) is None


def test_every_domain_kind_maps_to_a_distinct_client_error() -> None:
    statuses = [answer(kind("x"))[0]["status"] for kind in (InvalidInput, NotFound, Conflict)]

    assert statuses == [400, 404, 409]
