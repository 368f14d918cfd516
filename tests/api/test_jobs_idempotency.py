"""``Idempotency-Key`` on ``POST /v1/jobs``: one job per key, 409 for a reused key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from conveyor.clients.models import ApiClient
from conveyor.jobs.models import IdempotencyKey, Job
from tests.api.conftest import MakeApi
from tests.api.problems import error_fields, problem_of

URL = "/v1/jobs"
BODY = {"type": "demo.sleep", "params": {"seconds": 1}, "labels": {"order": "1234"}}


def submit(api: APIClient, body: Any, key: str | None) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return api.post(URL, body, format="json", headers=headers)


def test_the_same_key_and_body_returns_the_original_job_with_200(
    api: APIClient, me: ApiClient
) -> None:
    # given
    first = submit(api, BODY, "order-1234")
    assert first.status_code == 201, first.content
    # when the client sends it again (a retry after a timeout), keys in another order
    again = submit(
        api,
        {"labels": {"order": "1234"}, "params": {"seconds": 1}, "type": "demo.sleep"},
        "order-1234",
    )
    # then it gets the same job back, and no second job exists
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert again["Location"] == f"/v1/jobs/{first.json()['id']}"
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Job.objects.filter(client=me).count() == 1


def test_the_same_key_with_another_body_is_409_and_changes_nothing(
    api: APIClient, me: ApiClient
) -> None:
    first = submit(api, BODY, "k-1")

    other = submit(api, {**BODY, "params": {"seconds": 2}}, "k-1")

    body = problem_of(other, 409)
    assert "k-1" in body["detail"]
    assert first.json()["id"] in body["detail"]
    assert Job.objects.filter(client=me).count() == 1


def test_a_key_is_per_client(make_api: MakeApi) -> None:
    alice, _ = make_api()
    bob, _ = make_api()

    a = submit(alice, BODY, "shared-key")
    b = submit(bob, {**BODY, "params": {"seconds": 3}}, "shared-key")

    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_without_a_key_every_submission_is_a_new_job(api: APIClient, me: ApiClient) -> None:
    assert submit(api, BODY, None).status_code == 201
    assert submit(api, BODY, None).status_code == 201
    assert Job.objects.filter(client=me).count() == 2


def test_an_expired_key_creates_a_new_job(api: APIClient, me: ApiClient, settings: Any) -> None:
    # given a key used longer ago than the TTL
    settings.CONVEYOR_IDEMPOTENCY_TTL = timedelta(hours=1)
    first = submit(api, BODY, "old-key")
    IdempotencyKey.objects.filter(key="old-key").update(
        created_at=timezone.now() - timedelta(hours=1, seconds=1)
    )
    # when it is sent again, even with another body
    again = submit(api, {**BODY, "params": {"seconds": 5}}, "old-key")
    # then it is a new job, and the key now points at it
    assert again.status_code == 201, again.content
    assert again.json()["id"] != first.json()["id"]
    assert str(IdempotencyKey.objects.get(key="old-key").job_id) == again.json()["id"]


def test_a_key_within_the_ttl_is_remembered(api: APIClient, settings: Any) -> None:
    settings.CONVEYOR_IDEMPOTENCY_TTL = timedelta(hours=1)
    first = submit(api, BODY, "recent")
    IdempotencyKey.objects.filter(key="recent").update(
        created_at=timezone.now() - timedelta(minutes=59)
    )

    again = submit(api, BODY, "recent")

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_an_invalid_body_stores_no_key(api: APIClient, me: ApiClient) -> None:
    # given a submission refused for its params
    bad = submit(api, {**BODY, "params": {"seconds": -1}}, "fix-me")
    problem_of(bad, 400)
    # when the client fixes the body and sends it with the same key
    good = submit(api, BODY, "fix-me")
    # then the key was free
    assert good.status_code == 201, good.content
    assert Job.objects.filter(client=me).count() == 1


@pytest.mark.parametrize(
    "key",
    ["", "has space", "x" * 256, "caf\u00e9", "tab\there"],
    ids=["empty", "space", "too-long", "non-ascii", "control"],
)
def test_a_malformed_key_is_400(api: APIClient, me: ApiClient, key: str) -> None:
    response = submit(api, BODY, key)

    assert error_fields(problem_of(response, 400)) == {"Idempotency-Key"}
    assert not Job.objects.filter(client=me).exists()


def test_the_longest_key_is_accepted(api: APIClient) -> None:
    assert submit(api, BODY, "k" * 255).status_code == 201
