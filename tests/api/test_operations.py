"""Operators' actions over REST: bulk cancel and retry by filter, queue pause and resume,
the live workers; through real URLs, keys and scopes (real workers and brokers:
tests/e2e/test_queue_pause.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from conveyor.clients.models import ApiClient
from conveyor.clients.scopes import DEFAULT_SCOPES, JOBS_READ, QUEUES_READ
from conveyor.jobs.models import Job
from conveyor.queues import workers
from conveyor.queues.selectors import stats_cache
from conveyor_worker import attempts
from tests.api.conftest import MakeApi
from tests.api.problems import error_fields, problem_of
from tests.factories import JobFactory


@pytest.fixture(autouse=True)
def _fresh_counts() -> Iterator[None]:
    stats_cache().clear()
    yield
    stats_cache().clear()


def states(*jobs: Job) -> list[str]:
    return [Job.objects.get(pk=job.pk).state for job in jobs]


# ---- bulk cancel and retry --------------------------------------------------------------


def test_bulk_cancel_takes_only_the_clients_own_matching_jobs(
    api: APIClient, me: ApiClient
) -> None:
    # given
    mine = JobFactory.create_batch(3, client=me, labels={"batch": "7"})
    running = JobFactory.create(client=me, labels={"batch": "7"})
    assert attempts.claim(running.pk, worker="w", message_id=None) is not None
    other_label = JobFactory.create(client=me, labels={"batch": "8"})
    foreign = JobFactory.create(labels={"batch": "7"})
    body = {"label": ["batch:7"]}

    # when a dry run, then the action
    dry = api.post("/v1/jobs/cancel", {**body, "dry_run": True}, format="json")
    assert states(*mine) == ["queued"] * 3
    done = api.post("/v1/jobs/cancel", body, format="json")

    # then
    assert dry.status_code == 200, dry.content
    assert dry.json() == {"count": 4, "dry_run": True}
    assert done.status_code == 200, done.content
    assert done.json() == {"count": 4, "dry_run": False}
    assert states(*mine, running, other_label, foreign) == ["cancelled"] * 3 + [
        "cancelling",
        "queued",
        "queued",
    ]


def test_bulk_retry_runs_the_clients_failed_jobs_again(api: APIClient, me: ApiClient) -> None:
    failed = JobFactory.create_batch(2, client=me, failed=True, type="demo.sleep")
    succeeded = JobFactory.create(client=me, succeeded=True, type="demo.sleep")
    foreign = JobFactory.create(failed=True, type="demo.sleep")

    dry = api.post("/v1/jobs/retry", {"type": ["demo.sleep"], "dry_run": True}, format="json")
    done = api.post("/v1/jobs/retry", {"type": ["demo.sleep"]}, format="json")

    assert dry.json() == {"count": 2, "dry_run": True}
    assert done.json() == {"count": 2, "dry_run": False}
    assert states(*failed, succeeded, foreign) == ["queued", "queued", "succeeded", "failed"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "state"),
        ({"dry_run": True}, "state"),
        ({"state": ["finished"]}, "state.0"),
        ({"state": []}, "state"),
        ({"label": ["no colon"]}, "label.0"),
        ({"queue": ["default"], "status": "failed"}, "status"),
        ({"created_after": "yesterday"}, "created_after"),
        # a JSON boolean only: DRF's BooleanField would take 0 as false and act
        ({"queue": ["default"], "dry_run": 0}, "dry_run"),
        ({"queue": ["default"], "dry_run": "yes"}, "dry_run"),
        # strings only: DRF's CharField would take 0 as "0"
        ({"queue": [0]}, "queue.0"),
        ({"type": [1.5]}, "type.0"),
    ],
)
def test_bulk_actions_refuse_bad_filters_and_change_nothing(
    api: APIClient, me: ApiClient, body: dict[str, Any], field: str
) -> None:
    job = JobFactory.create(client=me)
    for action in ("cancel", "retry"):
        problem = problem_of(api.post(f"/v1/jobs/{action}", body, format="json"), 400)
        assert field in error_fields(problem), problem
    assert states(job) == ["queued"]


def test_bulk_actions_need_jobs_write(make_api: MakeApi) -> None:
    reader, me = make_api(scopes=[JOBS_READ])
    job = JobFactory.create(client=me)
    for action in ("cancel", "retry"):
        problem_of(reader.post(f"/v1/jobs/{action}", {"state": ["queued"]}, format="json"), 403)
    assert states(job) == ["queued"]


# ---- queue pause and resume -------------------------------------------------------------


def test_pause_and_resume_show_in_the_queue_list_metrics_and_gauge(
    api: APIClient, settings: Any
) -> None:
    settings.CONVEYOR_EXTRA_QUEUES = ["spare"]
    JobFactory.create_batch(2, queue="default")

    paused = api.post("/v1/queues/default/pause")
    listed = {q["name"]: q for q in api.get("/v1/queues").json()["results"]}
    metrics = api.get("/v1/queues/default/metrics").json()
    gauge = api.get("/metrics").content.decode()

    assert paused.status_code == 200, paused.content
    assert (paused.json()["paused"], paused.json()["waiting"]) == (True, 2)
    assert listed["default"]["paused"] is True
    assert listed["spare"]["paused"] is False
    assert (metrics["paused"], metrics["backlog"]) == (True, 2)  # still counted
    assert 'conveyor_queue_paused{queue="default"} 1.0' in gauge
    assert 'conveyor_queue_paused{queue="spare"} 0.0' in gauge

    resumed = api.post("/v1/queues/default/resume")
    assert resumed.status_code == 200, resumed.content
    assert resumed.json()["paused"] is False
    assert api.get("/v1/queues/default/metrics").json()["paused"] is False


def test_pause_of_an_unknown_queue_is_a_404(api: APIClient) -> None:
    problem = problem_of(api.post("/v1/queues/nope/pause"), 404)
    assert "GET /v1/queues" in problem["detail"]
    problem_of(api.post("/v1/queues/nope/resume"), 404)


def test_pause_needs_queues_write(make_api: MakeApi) -> None:
    reader, _ = make_api(scopes=[QUEUES_READ, *DEFAULT_SCOPES])
    problem = problem_of(reader.post("/v1/queues/default/pause"), 403)
    assert "queues:write" in problem["detail"]
    assert reader.get("/v1/queues/default/metrics").json()["paused"] is False


# ---- workers ----------------------------------------------------------------------------


def test_workers_lists_live_workers_with_their_running_jobs(api: APIClient) -> None:
    workers.report_presence(
        name="celery@pod-1",
        queues=["default", "http"],
        concurrency=4,
        version="0.1.0",
        started_at=timezone.now(),
    )
    job = JobFactory.create()
    assert attempts.claim(job.pk, worker="celery@pod-1", message_id=None) is not None

    response = api.get("/v1/workers")

    assert response.status_code == 200, response.content
    [worker] = response.json()["results"]
    assert worker["name"] == "celery@pod-1"
    assert worker["queues"] == ["default", "http"]
    assert worker["concurrency"] == 4
    assert worker["running_job_ids"] == [str(job.pk)]
    assert worker["version"] == "0.1.0"
    assert 0 <= worker["heartbeat_age_seconds"] < 60


def test_workers_need_workers_read(make_api: MakeApi) -> None:
    reader, _ = make_api(scopes=[QUEUES_READ, *DEFAULT_SCOPES])
    problem = problem_of(reader.get("/v1/workers"), 403)
    assert "workers:read" in problem["detail"]
