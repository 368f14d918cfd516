"""GET /v1/queues and /v1/queues/{name}/metrics, and the API's /metrics, through real URLs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from conveyor.clients.scopes import ALL_SCOPES, QUEUES_READ
from conveyor.queues.selectors import QueueStatsCache, stats_cache
from tests import shared_services as services
from tests.api.problems import problem_of
from tests.factories import ApiClientFactory, JobFactory

ENDPOINTS = ["/v1/queues", "/v1/queues/default/metrics"]


@pytest.fixture(autouse=True)
def _real_database(db: None, settings: Any) -> Iterator[None]:
    services.require("postgres")
    os.makedirs(settings.STATIC_ROOT, exist_ok=True)  # whitenoise warns about a missing one
    stats_cache().clear()  # counts of an earlier test must not leak into this one
    yield
    stats_cache().clear()


def api_with(scopes: list[str] | tuple[str, ...]) -> APIClient:
    _, key = ApiClientFactory.with_key(scopes=list(scopes))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api


def make_jobs() -> None:
    now = timezone.now()
    other = ApiClientFactory.create()
    for _ in range(3):
        JobFactory.create(queue="default", state="queued", queued_at=now - timedelta(seconds=30))
    JobFactory.create(queue="default", state="queued", queued_at=now - timedelta(seconds=90))
    # another client's jobs count too: a queue is shared
    JobFactory.create(client=other, queue="default", state="running", lease_owner="w1@h")
    JobFactory.create(queue="default", state="cancelling", lease_owner="w2@h")
    JobFactory.create(queue="default", state="scheduled", run_at=now + timedelta(hours=1))
    JobFactory.create(queue="default", state="retrying", run_at=now + timedelta(minutes=1))
    for state in ("succeeded", "failed", "cancelled"):
        JobFactory.create(queue="default", state=state)
    JobFactory.create(queue="idle", state="queued", queued_at=now)


def test_list_counts_every_non_final_job_by_queue(settings: Any) -> None:
    # given
    settings.CONVEYOR_EXTRA_QUEUES = ["spare"]
    make_jobs()
    # when
    response = api_with([QUEUES_READ]).get("/v1/queues")
    # then
    assert response.status_code == 200
    queues = {q["name"]: q for q in response.json()["results"]}
    default = queues["default"]
    assert default["waiting"] == 4
    assert default["running"] == 2
    assert default["backlog"] == 6
    assert default["scheduled"] == 2
    assert default["workers"] == 2
    assert 85 <= default["oldest_waiting_seconds"] <= 120
    assert queues["idle"]["backlog"] == 1
    # known queues without jobs are listed with zeros
    assert queues["spare"] == {
        "name": "spare",
        "waiting": 0,
        "running": 0,
        "scheduled": 0,
        "backlog": 0,
        "oldest_waiting_seconds": 0.0,
        "workers": 0,
        "paused": False,
    }


def test_metrics_is_what_kedas_metrics_api_scaler_reads() -> None:
    make_jobs()
    response = api_with([QUEUES_READ]).get("/v1/queues/default/metrics")
    assert response.status_code == 200
    body = response.json()
    assert body["backlog"] == 6
    assert set(body) == {
        "backlog",
        "waiting",
        "running",
        "scheduled",
        "oldest_waiting_seconds",
        "paused",
    }


def test_an_unknown_queue_is_a_404_problem() -> None:
    response = api_with([QUEUES_READ]).get("/v1/queues/nope/metrics")
    assert "nope" in problem_of(response, 404)["detail"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_anonymous_is_401(path: str) -> None:
    problem_of(APIClient().get(path), 401)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_key_without_queues_read_is_403(path: str) -> None:
    api = api_with([s for s in ALL_SCOPES if s != QUEUES_READ])
    assert QUEUES_READ in problem_of(api.get(path), 403)["detail"]


def test_one_query_per_ttl_for_all_readers() -> None:
    make_jobs()
    api = api_with([QUEUES_READ])
    api.get("/v1/queues")  # authentication's own queries warm up here
    stats_cache().clear()
    clock = [0.0]
    cache = QueueStatsCache(ttl=5, clock=lambda: clock[0])
    with CaptureQueriesContext(connection) as captured:
        cache.get()
        cache.get()
        clock[0] = 4.9
        cache.get()
    assert len(captured) == 1
    assert "GROUP BY" in captured[0]["sql"]
    clock[0] = 5.0
    with CaptureQueriesContext(connection) as captured:
        cache.get()
    assert len(captured) == 1


def test_prometheus_endpoint_has_queue_gauges_and_route_labels() -> None:
    # given
    make_jobs()
    api = api_with(ALL_SCOPES)
    api.get("/v1/queues/default/metrics")
    # when
    text = APIClient().get("/metrics").content.decode()
    # then
    assert 'conveyor_queue_backlog{queue="default"} 6.0' in text
    assert 'conveyor_queue_waiting{queue="default"} 4.0' in text
    assert 'conveyor_queue_running{queue="default"} 2.0' in text
    assert 'conveyor_queue_scheduled{queue="default"} 2.0' in text
    assert 'conveyor_queue_oldest_waiting_seconds{queue="default"}' in text
    assert (
        'conveyor_http_requests_total{method="GET",route="v1/queues/<str:name>/metrics",'
        'status="200"}' in text
    )
    assert "/v1/queues/default/metrics" not in text
