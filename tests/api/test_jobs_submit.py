"""``POST /v1/jobs``: what a good submission stores and returns, and what bad input changes
(nothing)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from conveyor.clients.models import ApiClient
from conveyor.clients.scopes import JOBS_READ
from conveyor.jobs.models import Job
from conveyor.jobs.types import get_job_type
from tests.api.conftest import MakeApi
from tests.api.problems import error_fields, problem_of

URL = "/v1/jobs"


def submit(api: APIClient, body: Any) -> Any:
    return api.post(URL, body, format="json")


# ---- success ------------------------------------------------------------------------


def test_submit_stores_a_queued_job_and_answers_201_with_its_location(
    api: APIClient,
    me: ApiClient,
) -> None:
    # given
    before = timezone.now()

    # when
    response = submit(
        api, {"type": "demo.sleep", "params": {"seconds": 1.5}, "labels": {"team": "search"}}
    )

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"/v1/jobs/{body['id']}"
    assert set(body) == {
        "id",
        "type",
        "queue",
        "priority",
        "state",
        "params",
        "labels",
        "attempts",
        "max_attempts",
        "timeout_seconds",
        "webhook_url",
        "progress",
        "result",
        "error",
        "run_at",
        "created_at",
        "queued_at",
        "started_at",
        "finished_at",
        "cancel_requested_at",
        "updated_at",
    }
    assert body["type"] == "demo.sleep"
    assert body["state"] == "queued"
    # params come back normalized: defaults filled in by the job type's model
    assert body["params"] == {"seconds": 1.5, "steps": 10}
    assert body["labels"] == {"team": "search"}
    assert body["attempts"] == 0
    assert body["priority"] == 5
    assert body["progress"] == {"percent": None, "message": ""}
    assert body["result"] is None
    assert body["error"] is None
    assert body["run_at"] is None
    assert datetime.fromisoformat(body["queued_at"]) >= before
    job = Job.objects.get(pk=body["id"])
    assert job.client == me
    assert job.state == "queued"
    assert job.params == {"seconds": 1.5, "steps": 10}


@pytest.mark.parametrize("type_name", ["demo.sleep", "demo.cpu", "demo.noop", "http.request"])
def test_submit_takes_the_defaults_of_the_job_type(api: APIClient, type_name: str) -> None:
    # given
    params = {
        "demo.sleep": {"seconds": 0},
        "demo.cpu": {"iterations": 1},
        "demo.noop": {},
        "http.request": {"url": "https://example.com/hook"},
    }[type_name]
    spec = get_job_type(type_name)
    assert spec is not None

    # when
    response = submit(api, {"type": type_name, "params": params})

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["queue"] == spec.queue
    assert body["max_attempts"] == spec.retry.max_attempts
    assert body["timeout_seconds"] == int(spec.time_limit.total_seconds())


def test_submit_keeps_the_options_given(api: APIClient) -> None:
    response = submit(
        api,
        {
            "type": "demo.noop",
            "priority": 9,
            "max_attempts": 7,
            "timeout_seconds": 30,
            "queue": "default",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["priority"], body["max_attempts"], body["timeout_seconds"]) == (9, 7, 30)


def test_http_request_params_are_normalized(api: APIClient) -> None:
    response = submit(
        api, {"type": "http.request", "params": {"url": "https://example.com", "method": "POST"}}
    )

    assert response.status_code == 201, response.content
    assert response.json()["params"] == {
        "url": "https://example.com/",
        "method": "POST",
        "headers": {},
        "body": None,
        "timeout_seconds": 30.0,
        "expect_status": None,
    }


def test_run_at_in_the_future_schedules_the_job(api: APIClient) -> None:
    # given
    run_at = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)

    # when
    response = submit(api, {"type": "demo.noop", "run_at": run_at.isoformat()})

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "scheduled"
    assert body["queued_at"] is None
    assert datetime.fromisoformat(body["run_at"]) == run_at
    assert Job.objects.get(pk=body["id"]).run_at == run_at


def test_run_at_in_the_past_queues_the_job_at_once(api: APIClient) -> None:
    run_at = timezone.now() - timedelta(minutes=5)

    response = submit(api, {"type": "demo.noop", "run_at": run_at.isoformat()})

    assert response.status_code == 201, response.content
    assert response.json()["state"] == "queued"
    assert response.json()["run_at"] is None


def test_delay_seconds_schedules_the_job_that_far_ahead(api: APIClient) -> None:
    # given
    before = timezone.now()

    # when
    response = submit(api, {"type": "demo.noop", "delay_seconds": 600})

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "scheduled"
    run_at = datetime.fromisoformat(body["run_at"])
    assert before + timedelta(seconds=600) <= run_at <= timezone.now() + timedelta(seconds=600)


def test_submit_publishes_nothing_until_the_transaction_commits(
    api: APIClient,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = submit(api, {"type": "demo.noop"})
        scheduled = submit(api, {"type": "demo.noop", "delay_seconds": 60})

    assert queued.status_code == scheduled.status_code == 201
    # one publish for the queued job; the scheduled one waits for the dispatcher
    assert len(callbacks) == 1


# ---- bad input: the right answer, and nothing stored ----------------------------------

BAD_BODIES: list[tuple[str, Any, str]] = [
    ("unknown type", {"type": "demo.nope"}, "type"),
    ("missing type", {"params": {}}, "type"),
    ("params out of range", {"type": "demo.sleep", "params": {"seconds": -1}}, "params.seconds"),
    (
        "params of the wrong type",
        {"type": "demo.sleep", "params": {"seconds": "soon"}},
        "params.seconds",
    ),
    ("missing params field", {"type": "demo.sleep", "params": {}}, "params.seconds"),
    (
        "unknown params field",
        {"type": "demo.sleep", "params": {"seconds": 1, "sconds": 2}},
        "params.sconds",
    ),
    ("params for a type that takes none", {"type": "demo.noop", "params": {"x": 1}}, "params.x"),
    ("params not an object", {"type": "demo.noop", "params": [1]}, "params"),
    ("bad url", {"type": "http.request", "params": {"url": "ftp://example.com"}}, "params.url"),
    (
        "transport header",
        {
            "type": "http.request",
            "params": {"url": "https://example.com", "headers": {"Host": "x"}},
        },
        "params.headers",
    ),
    ("unknown top-level field", {"type": "demo.noop", "priorty": 3}, "priorty"),
    ("priority above 9", {"type": "demo.noop", "priority": 10}, "priority"),
    ("priority below 0", {"type": "demo.noop", "priority": -1}, "priority"),
    (
        "timeout above the type's limit",
        {"type": "demo.noop", "timeout_seconds": 61},
        "timeout_seconds",
    ),
    ("timeout zero", {"type": "demo.noop", "timeout_seconds": 0}, "timeout_seconds"),
    ("max_attempts zero", {"type": "demo.noop", "max_attempts": 0}, "max_attempts"),
    ("max_attempts above the ceiling", {"type": "demo.noop", "max_attempts": 101}, "max_attempts"),
    ("unknown queue", {"type": "demo.noop", "queue": "nowhere"}, "queue"),
    ("bad label key", {"type": "demo.noop", "labels": {"-bad": "x"}}, "labels"),
    ("label key with a space", {"type": "demo.noop", "labels": {"a b": "x"}}, "labels"),
    (
        "too many labels",
        {"type": "demo.noop", "labels": {f"k{i}": "v" for i in range(21)}},
        "labels",
    ),
    ("label value too long", {"type": "demo.noop", "labels": {"k": "v" * 201}}, "labels.k"),
    ("negative delay", {"type": "demo.noop", "delay_seconds": -1}, "delay_seconds"),
    ("run_at not a time", {"type": "demo.noop", "run_at": "tomorrow"}, "run_at"),
    (
        "run_at and delay_seconds",
        {"type": "demo.noop", "delay_seconds": 5, "run_at": "2030-01-01T00:00:00Z"},
        "delay_seconds",
    ),
    (
        "NUL character in params",
        {"type": "http.request", "params": {"url": "https://e.com", "body": "a\x00b"}},
        "params.body",
    ),
    (
        "NUL character in a params key",
        {"type": "http.request", "params": {"url": "https://e.com", "body": {"k": [{"\x00": 1}]}}},
        "params.body.k[0]",
    ),
    ("NUL character in a label", {"type": "demo.noop", "labels": {"k": "a\x00"}}, "labels.k"),
    ("NUL character in the type", {"type": "demo.noop\x00"}, "type"),
    ("body a list", [{"type": "demo.noop"}], ""),
    ("body a string", "demo.noop", ""),
]


@pytest.mark.parametrize(
    ("body", "field"), [(b, f) for _, b, f in BAD_BODIES], ids=[name for name, _, _ in BAD_BODIES]
)
def test_bad_input_is_refused_with_the_field_and_stores_nothing(
    api: APIClient,
    body: Any,
    field: str,
) -> None:
    # given
    count = Job.objects.count()

    # when
    response = submit(api, body)

    # then
    problem = problem_of(response, 400)
    assert field in error_fields(problem), problem
    assert Job.objects.count() == count


@pytest.mark.parametrize(
    "raw",
    [b"{", b"{'type': 'demo.noop'}", b"", b"\xff\xfe", b'{"type": "demo.noop", "priority": NaN}'],
    ids=["truncated", "single quotes", "empty", "not utf-8", "NaN"],
)
def test_malformed_json_is_a_400_problem(api: APIClient, raw: bytes) -> None:
    count = Job.objects.count()

    response = api.post(URL, raw, content_type="application/json")

    problem_of(response, 400)
    assert Job.objects.count() == count


def test_a_body_that_is_not_json_is_refused(api: APIClient) -> None:
    count = Job.objects.count()

    response = api.post(URL, "type=demo.noop", content_type="application/x-www-form-urlencoded")

    problem_of(response, 415)
    assert Job.objects.count() == count


def test_an_oversized_body_is_a_413_problem(api: APIClient) -> None:
    # given: valid JSON, just too big
    limit = settings.CONVEYOR_MAX_BODY_BYTES
    raw = json.dumps({"type": "demo.noop", "labels": {"pad": "x" * limit}}).encode()
    assert len(raw) > limit
    count = Job.objects.count()

    # when
    response = api.post(URL, raw, content_type="application/json")

    # then
    problem = problem_of(response, 413)
    assert str(limit) in problem["detail"]
    assert Job.objects.count() == count


def test_a_large_body_under_the_limit_gets_past_the_size_check(api: APIClient) -> None:
    # given: just under the limit; refused for its label value, not for its size
    limit = settings.CONVEYOR_MAX_BODY_BYTES
    head = b'{"type": "demo.noop", "labels": {"pad": "'
    tail = b'"}}'
    raw = head + b"x" * (limit - len(head) - len(tail)) + tail
    assert len(raw) == limit

    # when
    response = api.post(URL, raw, content_type="application/json")

    # then
    assert "labels.pad" in error_fields(problem_of(response, 400))


# ---- who may submit ---------------------------------------------------------------------


def test_a_missing_key_is_401_with_a_bearer_challenge(anonymous: APIClient) -> None:
    count = Job.objects.count()

    response = submit(anonymous, {"type": "demo.noop"})

    problem_of(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert Job.objects.count() == count


@pytest.mark.parametrize(
    "header",
    [
        "Bearer cvk_000000000000_not-the-secret",
        "Bearer not-a-key",
        "Bearer ",
        "Bearer a b",
        "Basic dXNlcjpwYXNz",
        "cvk_000000000000_x",
    ],
    ids=["unknown key", "garbled key", "empty key", "two words", "basic auth", "no scheme"],
)
def test_a_wrong_or_garbled_key_is_401(header: str) -> None:
    # given
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    count = Job.objects.count()

    # when
    response = submit(api, {"type": "demo.noop"})

    # then
    problem_of(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert Job.objects.count() == count


def test_the_right_prefix_with_a_wrong_secret_is_401(make_api: MakeApi) -> None:
    # given: a real client's prefix, but not its secret
    _, client = make_api()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer cvk_{client.key_prefix}_guessed")

    # when
    response = submit(api, {"type": "demo.noop"})

    # then
    problem_of(response, 401)
    assert not Job.objects.exists()


def test_a_revoked_key_is_401(make_api: MakeApi) -> None:
    api, _ = make_api(is_active=False)

    response = submit(api, {"type": "demo.noop"})

    problem_of(response, 401)
    assert not Job.objects.exists()


def test_a_key_without_the_write_scope_is_403(make_api: MakeApi) -> None:
    api, _ = make_api(scopes=[JOBS_READ])

    response = submit(api, {"type": "demo.noop"})

    assert "jobs:write" in problem_of(response, 403)["detail"]
    assert not Job.objects.exists()
