"""The API key cache (clients/keycache.py): a query saved per request, never a revoked key
accepted for longer than the cache time, and at once refused where it was revoked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from conveyor.clients.keycache import ApiKeyCache, key_cache
from conveyor.clients.keys import key_digest
from conveyor.clients.models import ApiClient
from conveyor.clients.services import api_client_revoke
from tests.api.conftest import MakeApi
from tests.factories import ApiClientFactory

JOB_TYPES = "/v1/job-types"
CACHE_SECONDS = 5.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(settings: Any) -> Iterator[FakeClock]:
    """The process's cache, empty, on a clock the test moves; 5 s of cache time."""
    settings.CONVEYOR_API_KEY_CACHE = timedelta(seconds=CACHE_SECONDS)
    fake = FakeClock()
    real = key_cache.clock
    key_cache.clear()
    key_cache.clock = fake
    yield fake
    key_cache.clock = real
    key_cache.clear()


def revoke_behind_the_process(client: ApiClient) -> None:
    """What another API process (or a direct SQL change) does: this cache is not told."""
    ApiClient.objects.filter(pk=client.pk).update(is_active=False)


def test_a_key_seen_recently_costs_no_query(make_api: MakeApi) -> None:
    # given a key used once
    api, _ = make_api()
    assert api.get(JOB_TYPES).status_code == 200

    # when it is used again
    with CaptureQueriesContext(connection) as queries:
        response = api.get(JOB_TYPES)

    # then it is let in without asking the database (the only query is the endpoint's
    # own: the Django tasks that workers advertised)
    assert response.status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    assert all("jobs_advertisedtask" in sql for sql in statements), statements
    assert not any("clients_" in sql for sql in statements), statements


def test_a_key_revoked_through_the_service_is_refused_at_once(make_api: MakeApi) -> None:
    # given a cached key
    api, client = make_api()
    assert api.get(JOB_TYPES).status_code == 200

    # when it is revoked
    api_client_revoke(client=client)

    # then the next request is refused, without waiting for the cache time
    assert api.get(JOB_TYPES).status_code == 401
    assert not ApiClient.objects.get(pk=client.pk).is_active


def test_a_key_revoked_elsewhere_is_refused_once_the_cache_time_has_passed(
    make_api: MakeApi, clock: FakeClock
) -> None:
    # given a cached key, revoked where this process's cache does not see it
    api, client = make_api()
    assert api.get(JOB_TYPES).status_code == 200
    revoke_behind_the_process(client)

    # then it still works within the cache time, and never after it
    clock.now += CACHE_SECONDS - 0.1
    assert api.get(JOB_TYPES).status_code == 200
    clock.now += 0.1
    assert api.get(JOB_TYPES).status_code == 401


def test_with_the_cache_off_a_revocation_takes_effect_at_once(
    make_api: MakeApi, settings: Any
) -> None:
    settings.CONVEYOR_API_KEY_CACHE = timedelta(0)
    api, client = make_api()
    assert api.get(JOB_TYPES).status_code == 200

    revoke_behind_the_process(client)

    assert api.get(JOB_TYPES).status_code == 401


def test_a_wrong_key_is_never_remembered() -> None:
    # given a valid key, and the same key with its secret part changed
    _, key = ApiClientFactory.with_key()
    wrong = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {wrong}")

    # when the wrong one is tried twice
    first, second = api.get(JOB_TYPES), api.get(JOB_TYPES)

    # then both are refused: a failure is looked up every time, and never cached
    assert (first.status_code, second.status_code) == (401, 401)
    assert key_cache.get(key_digest(wrong)) is None


def test_the_admin_revoke_action_refuses_the_key_at_once(
    make_api: MakeApi, admin_client: Client
) -> None:
    # given a cached key
    api, client = make_api()
    assert api.get(JOB_TYPES).status_code == 200

    # when an operator revokes it in the admin
    response = admin_client.post(
        "/admin/clients/apiclient/",
        {"action": "revoke_keys", "_selected_action": [str(client.pk)], "index": 0},
        follow=True,
    )

    # then
    assert response.status_code == 200
    assert api.get(JOB_TYPES).status_code == 401


def test_a_client_deleted_in_the_admin_is_refused_at_once(
    make_api: MakeApi, admin_client: Client
) -> None:
    api, client = make_api()
    assert api.get(JOB_TYPES).status_code == 200

    response = admin_client.post(f"/admin/clients/apiclient/{client.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not ApiClient.objects.filter(pk=client.pk).exists()
    assert api.get(JOB_TYPES).status_code == 401


def test_the_cache_holds_a_bounded_number_of_keys(make_api: MakeApi) -> None:
    cache = ApiKeyCache(max_entries=2)
    clients = [make_api()[1] for _ in range(3)]

    for number, client in enumerate(clients):
        cache.put(f"digest-{number}", client, seconds=60)

    assert cache.get("digest-0") is None  # the oldest went first
    assert [cache.get(f"digest-{n}") for n in (1, 2)] == clients[1:]
