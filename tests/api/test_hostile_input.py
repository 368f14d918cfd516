"""Input a hostile client sends is a 400 problem+json naming the field, and stores nothing:
text PostgreSQL cannot store (U+0000, lone surrogates) anywhere in a body, nesting past
the limit, control characters in labels, a malformed Idempotency-Key, forged cursors.

Bodies are sent as raw bytes: ``json.dumps`` writes a lone surrogate as the escape
``\\ud800``, as a hostile client would.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from conveyor.core.documents import MAX_DEPTH
from conveyor.core.errors import InvalidInput
from conveyor.jobs.models import IdempotencyKey, Job
from conveyor.jobs.services import validate_params
from conveyor.jobs.types import get_job_type
from conveyor.schedules.models import Schedule
from tests.api.problems import error_fields, problem_of
from tests.factories import ScheduleFactory

NOOP = {"type": "demo.noop"}
HTTP = {"type": "http.request", "params": {"url": "https://example.com"}}


class Raw(str):
    """A body given as JSON text already (too deep for ``json.dumps`` to write)."""


def post(api: APIClient, url: str, body: Any, **headers: Any) -> Any:
    text = body if isinstance(body, Raw) else json.dumps(body)
    return api.post(url, text, content_type="application/json", **headers)


def nested(depth: int) -> Any:
    """A JSON value ``depth`` arrays deep: [[[...]]]."""
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def stored() -> tuple[int, int, int]:
    return Job.objects.count(), Schedule.objects.count(), IdempotencyKey.objects.count()


SUBMISSIONS: dict[str, tuple[Any, str]] = {
    "lone surrogate in params": (
        {**HTTP, "params": {"url": "https://example.com", "body": "a\ud800b"}},
        "params.body",
    ),
    "low surrogate alone in params": (
        {**HTTP, "params": {"url": "https://example.com", "body": {"k": ["\udfff"]}}},
        "params.body.k[0]",
    ),
    "lone surrogate in a params key": (
        {**HTTP, "params": {"url": "https://example.com", "body": {"\ud800": 1}}},
        "params.body",
    ),
    "NUL in params": ({**HTTP, "params": {"url": "https://example.com", "body": "\x00"}}, ""),
    "lone surrogate in a label value": ({**NOOP, "labels": {"team": "\ud800"}}, "labels.team"),
    "lone surrogate in a label key": ({**NOOP, "labels": {"t\ud800": "x"}}, "labels"),
    "lone surrogate in the type": ({"type": "demo.noop\udc00"}, "type"),
    "lone surrogate in the webhook URL": (
        {**NOOP, "webhook_url": "https://example.com/\ud800"},
        "webhook_url",
    ),
    f"nested {MAX_DEPTH + 1} deep in params": (
        {**HTTP, "params": {"url": "https://example.com", "body": nested(MAX_DEPTH - 1)}},
        "params.body" + "[0]" * (MAX_DEPTH - 2),
    ),
    "nested 5,000 deep (past Python's recursion limit)": (
        Raw('{"type": "demo.noop", "params": {"x": ' + "[" * 5000 + "]" * 5000 + "}}"),
        "",
    ),
    "ESC in a label value": ({**NOOP, "labels": {"team": "ops\x1b[31m"}}, "labels.team"),
    "tab in a label value": ({**NOOP, "labels": {"team": "o\tps"}}, "labels.team"),
    "DEL in a label value": ({**NOOP, "labels": {"team": "ops\x7f"}}, "labels.team"),
    "C1 NEL in a label value": ({**NOOP, "labels": {"team": "o\x85ps"}}, "labels.team"),
    "C1 CSI in a label value": ({**NOOP, "labels": {"a": "ok", "b": "\x9b31m"}}, "labels.b"),
    "newline ending a label key": ({**NOOP, "labels": {"team\n": "ops"}}, "labels"),
}


@pytest.mark.parametrize(("body", "field"), list(SUBMISSIONS.values()), ids=list(SUBMISSIONS))
def test_a_submission_holding_what_cannot_be_stored_is_a_400_naming_the_field(
    api: APIClient, body: Any, field: str
) -> None:
    # given
    before = stored()

    # when
    response = post(api, "/v1/jobs", body)

    # then: refused, naming the field; nothing stored; the list still reads
    problem = problem_of(response, 400)
    if field:
        assert field in error_fields(problem), problem
    assert stored() == before
    assert api.get("/v1/jobs").status_code == 200


def test_nesting_up_to_the_limit_is_taken(api: APIClient) -> None:
    # the body is 1 deep, params 2, body 3: MAX_DEPTH levels in all
    body = {**HTTP, "params": {"url": "https://example.com", "body": nested(MAX_DEPTH - 2)}}

    response = post(api, "/v1/jobs", body)

    assert response.status_code == 201, response.content


def test_printable_unicode_labels_and_surrogate_pairs_are_taken(api: APIClient) -> None:
    # an emoji is a surrogate pair in a JSON escape: a character, not a lone surrogate
    body = {**NOOP, "labels": {"team": "Zürich \U0001f600 \u2013 ops"}}

    response = post(api, "/v1/jobs", body)

    assert response.status_code == 201, response.content
    assert response.json()["labels"] == {"team": "Zürich \U0001f600 \u2013 ops"}


def test_a_batch_item_holding_a_lone_surrogate_refuses_the_batch(api: APIClient) -> None:
    before = stored()
    body = {"jobs": [NOOP, {**NOOP, "labels": {"k": "\ud800"}}]}

    response = post(api, "/v1/jobs/batch", body)

    assert "jobs[1].labels.k" in error_fields(problem_of(response, 400))
    assert stored() == before


def test_a_batch_item_with_a_control_character_in_a_label_refuses_the_batch(
    api: APIClient,
) -> None:
    before = stored()
    body = {"jobs": [NOOP, {**NOOP, "labels": {"k": "\x1b]0;owned\x07"}}]}

    response = post(api, "/v1/jobs/batch", body)

    assert "jobs[1].labels.k" in error_fields(problem_of(response, 400))
    assert stored() == before


def test_a_lone_surrogate_with_an_idempotency_key_is_refused_and_keeps_no_key(
    api: APIClient,
) -> None:
    before = stored()
    body = {**HTTP, "params": {"url": "https://example.com", "body": "\ud800"}}

    response = post(api, "/v1/jobs", body, HTTP_IDEMPOTENCY_KEY="k-1")

    assert "params.body" in error_fields(problem_of(response, 400))
    assert stored() == before


@pytest.mark.parametrize("key", ["k-1\n", "k\x00", "k\x1b", "k\x7f", "ключ"])
def test_a_malformed_idempotency_key_is_a_400(api: APIClient, key: str) -> None:
    before = stored()

    response = post(api, "/v1/jobs", NOOP, HTTP_IDEMPOTENCY_KEY=key)

    assert "Idempotency-Key" in error_fields(problem_of(response, 400))
    assert stored() == before


SCHEDULE = {"name": "pulse", "interval_seconds": 60, "job": NOOP}
SCHEDULES: dict[str, tuple[Any, str]] = {
    "lone surrogate in the name": ({**SCHEDULE, "name": "p\ud800"}, "name"),
    "lone surrogate in job params": (
        {**SCHEDULE, "job": {**HTTP, "params": {"url": "https://example.com", "body": "\udbff"}}},
        "job.params.body",
    ),
    "ESC in a job label": ({**SCHEDULE, "job": {**NOOP, "labels": {"k": "\x1b"}}}, "job.labels.k"),
    "NUL in a cron timezone": (
        {
            **SCHEDULE,
            "interval_seconds": None,
            "cron": {"expression": "* * * * *", "timezone": "\x00"},
        },
        "cron.timezone",
    ),
}


@pytest.mark.parametrize(("body", "field"), list(SCHEDULES.values()), ids=list(SCHEDULES))
def test_a_schedule_holding_what_cannot_be_stored_is_a_400(
    api: APIClient, body: Any, field: str
) -> None:
    before = stored()

    response = post(api, "/v1/schedules", body)

    assert field in error_fields(problem_of(response, 400))
    assert stored() == before
    assert api.get("/v1/schedules").status_code == 200


def test_a_schedule_patch_holding_a_lone_surrogate_changes_nothing(api: APIClient, me: Any) -> None:
    schedule = ScheduleFactory.create(client=me)
    before = list(Schedule.objects.values())

    response = api.patch(
        f"/v1/schedules/{schedule.pk}",
        json.dumps({"name": "\ud800"}),
        content_type="application/json",
    )

    assert "name" in error_fields(problem_of(response, 400))
    assert list(Schedule.objects.values()) == before


def cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


FORGED_CURSORS = {
    "not base64": "not-a-cursor!",
    "position not a time": cursor("p=garbage"),
    "position a number": cursor("o=1&p=12345"),
    "position with NUL": cursor("p=2026-01-01%00"),
    "offset negative": cursor("o=-1"),
    "reverse not a number": cursor("r=x"),
    "not ASCII": "é",
}


@pytest.mark.parametrize("url", ["/v1/jobs", "/v1/schedules"])
@pytest.mark.parametrize("forged", list(FORGED_CURSORS.values()), ids=list(FORGED_CURSORS))
def test_a_forged_cursor_is_a_400_naming_it(api: APIClient, url: str, forged: str) -> None:
    response = api.get(url, {"cursor": forged})

    assert "cursor" in error_fields(problem_of(response, 400))


@pytest.mark.parametrize("url", ["/v1/jobs", "/v1/schedules"])
def test_a_cursor_the_api_gave_still_pages(api: APIClient, me: Any, url: str) -> None:
    # given: three items, pages of one
    for index in range(3):
        if url == "/v1/jobs":
            assert post(api, url, NOOP).status_code == 201
        else:
            ScheduleFactory.create(client=me, name=f"s{index}")
    first = api.get(url, {"limit": 1}).json()

    # when
    second = api.get(first["next"])

    # then
    assert second.status_code == 200, second.content
    assert len(second.json()["results"]) == 1


def test_the_domain_refuses_a_lone_surrogate_in_params_too() -> None:
    # the admin's schedule form and other callers reach validate_params without the parser
    spec = get_job_type("http.request")
    assert spec is not None

    with pytest.raises(InvalidInput) as refused:
        validate_params(spec, {"url": "https://example.com", "body": {"k": ["\ud800"]}})

    assert [e["field"] for e in refused.value.errors] == ["params.body.k[0]"]
