"""Pausing a queue with real workers, on both brokers: a paused queue's jobs stay queued
and no worker runs one, while the workers go on with other queues; resumed, they run.

Each way a worker learns of a pause is tested on its own: the ``cancel_consumer`` and
``add_consumer`` broadcasts (the workers' periodic check is set far apart here, so it
never helps), the check a worker makes when it starts, and the claim, which hands back a
message a worker still received (a pause stored without a broadcast reaching it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import shared_services as services
from tests.e2e.conftest import BROKERS
from tests.e2e.platform import Platform
from tests.procs import wait_until

ENV = {
    "CONVEYOR_EXTRA_QUEUES": "idle,spare",
    # the periodic check never runs within a test: what it would put right stays wrong
    "CONVEYOR_WORKER_REPORT_SECONDS": "600",
    "CONVEYOR_WORKER_GONE_AFTER_SECONDS": "1200",
    "CONVEYOR_QUEUE_STATS_TTL_SECONDS": "0",
}
QUEUES = "default,spare,conveyor"


@pytest.fixture(scope="module", params=BROKERS)
def pausable(request: pytest.FixtureRequest) -> Iterator[Platform]:
    services.require("postgres")
    services.require(request.param)
    with Platform.running(request.param, extra_env=ENV, worker_queues=QUEUES) as platform:
        yield platform


def act(platform: Platform, method: str, path: str) -> Any:
    response = platform.http.request(
        method, f"{platform.base_url}{path}", headers=platform.headers("operator")
    )
    assert response.status_code == 200, response.text
    return response.json()


def queue(platform: Platform, name: str) -> dict[str, Any]:
    listed = act(platform, "GET", "/v1/queues")["results"]
    return next(q for q in listed if q["name"] == name)


def states(platform: Platform, jobs: list[dict[str, Any]]) -> list[str]:
    return [platform.get(job["id"])["state"] for job in jobs]


def handed_back(platform: Platform, jobs: list[dict[str, Any]]) -> int:
    """How many of the jobs a worker received and handed back (the claim's guard): none,
    when the workers stopped consuming the queue as they should."""
    rows = platform.sql(
        "SELECT count(*) FROM jobs_job WHERE id = ANY(%s::uuid[]) AND published_at IS NULL",
        [job["id"] for job in jobs],
    )
    return int(rows[0][0])


def a_job_on_another_queue_runs(platform: Platform) -> None:
    """The worker is alive and takes messages: what it left alone, it left on purpose."""
    other = platform.submit({"type": "demo.noop", "queue": "spare"})
    assert platform.wait_final(other["id"])["state"] == "succeeded"


def test_pause_keeps_jobs_queued_and_resume_runs_them(pausable: Platform) -> None:
    # given the worker, listed with its queues
    wait_until(
        lambda: act(pausable, "GET", "/v1/workers")["results"],
        timeout=30,
        message="the worker to report itself",
    )
    [worker] = act(pausable, "GET", "/v1/workers")["results"]
    assert worker["name"].startswith("worker@")
    assert worker["queues"] == ["conveyor", "default", "spare"]
    assert worker["concurrency"] == 3

    # when the queue is paused and jobs are submitted to it
    assert act(pausable, "POST", "/v1/queues/default/pause")["paused"] is True
    wait_until(
        lambda: "Canceling queue default" in pausable.procs["worker"].log_tail(200),
        timeout=30,
        message="the worker to stop consuming the queue",
    )
    jobs = [pausable.submit({"type": "demo.noop"}) for _ in range(3)]
    a_job_on_another_queue_runs(pausable)

    # then none ran, none even reached the worker, and the queue counts them, paused
    assert states(pausable, jobs) == ["queued"] * 3
    assert handed_back(pausable, jobs) == 0
    paused = queue(pausable, "default")
    assert (paused["paused"], paused["waiting"], paused["backlog"]) == (True, 3, 3)

    # when resumed, they run
    assert act(pausable, "POST", "/v1/queues/default/resume")["paused"] is False
    assert [pausable.wait_final(job["id"])["state"] for job in jobs] == ["succeeded"] * 3


def test_a_worker_started_while_paused_consumes_none_of_the_queue(pausable: Platform) -> None:
    # given the queue paused, then a second worker started
    act(pausable, "POST", "/v1/queues/default/pause")
    try:
        pausable.start_worker("late", queues=QUEUES, concurrency=1)
        pausable.procs["worker"].stop()  # only the late worker consumes from here on
        jobs = [pausable.submit({"type": "demo.noop"}) for _ in range(2)]
        a_job_on_another_queue_runs(pausable)
        assert states(pausable, jobs) == ["queued"] * 2
        assert handed_back(pausable, jobs) == 0  # it never consumed the queue
    finally:
        act(pausable, "POST", "/v1/queues/default/resume")
    # when resumed (the late worker is told by the broadcast), they run
    assert [pausable.wait_final(job["id"])["state"] for job in jobs] == ["succeeded"] * 2


def test_a_message_received_while_paused_is_handed_back(pausable: Platform) -> None:
    # given a pause that reached no worker (stored only: no broadcast, no check yet)
    pausable.sql(
        "INSERT INTO queues_pausedqueue (name, paused_at) VALUES ('default', now()) RETURNING name"
    )
    # when a job is submitted, its message reaches a worker
    job = pausable.submit({"type": "demo.noop"})
    wait_until(
        lambda: pausable.sql(
            "SELECT 1 FROM jobs_job WHERE id = %s AND state = 'queued' AND published_at IS NULL",
            job["id"],
        ),
        timeout=30,
        message="the worker to hand the job back",
    )
    # then it did not run; resumed, it is published again and runs
    assert pausable.get(job["id"])["attempt_history"] == []
    act(pausable, "POST", "/v1/queues/default/resume")
    assert pausable.wait_final(job["id"])["state"] == "succeeded"


def test_a_worker_applies_a_pause_it_was_not_told_of_at_its_next_check(
    pausable: Platform,
) -> None:
    # given only a worker that checks every second
    quick = pausable.start_worker(
        "quick", queues=QUEUES, concurrency=1, env={"CONVEYOR_WORKER_REPORT_SECONDS": "1"}
    )
    for name in ("worker", "late"):  # those of the tests before, if they ran
        if name in pausable.procs:
            pausable.procs[name].stop()
    # when the queue is paused and resumed with no broadcast (stored only)
    pausable.sql(
        "INSERT INTO queues_pausedqueue (name, paused_at) VALUES ('default', now()) RETURNING name"
    )
    wait_until(
        lambda: "queue default is paused" in quick.log_tail(200),
        timeout=30,
        message="the worker's check to stop consuming the queue",
    )
    job = pausable.submit({"type": "demo.noop"})
    a_job_on_another_queue_runs(pausable)
    # then the job waited, unreceived; after the resume the check consumes it again
    assert states(pausable, [job]) == ["queued"]
    assert handed_back(pausable, [job]) == 0
    pausable.sql("DELETE FROM queues_pausedqueue WHERE name = 'default' RETURNING name")
    assert pausable.wait_final(job["id"])["state"] == "succeeded"
    assert "queue default is resumed" in quick.log_tail(200)


def test_bulk_cancel_and_retry_take_only_the_clients_jobs(pausable: Platform) -> None:
    def bulk(action: str, body: dict[str, Any], client: str = "alice") -> Any:
        response = pausable.http.post(
            f"{pausable.base_url}/v1/jobs/{action}", json=body, headers=pausable.headers(client)
        )
        assert response.status_code == 200, response.text
        return response.json()

    # given the queue paused, alice's and bob's jobs waiting on it with one label
    act(pausable, "POST", "/v1/queues/default/pause")
    try:
        body = {"type": "demo.noop", "labels": {"batch": "b7"}}
        mine = [pausable.submit(body) for _ in range(3)]
        bobs = pausable.submit(body, client="bob")
        # when alice cancels by the label
        assert bulk("cancel", {"label": ["batch:b7"], "dry_run": True})["count"] == 3
        assert bulk("cancel", {"label": ["batch:b7"]}) == {"count": 3, "dry_run": False}
        # then hers are cancelled, bob's waits
        assert states(pausable, mine) == ["cancelled"] * 3
        assert pausable.get(bobs["id"], client="bob")["state"] == "queued"
    finally:
        act(pausable, "POST", "/v1/queues/default/resume")
    # when she retries them, they run
    assert bulk("retry", {"label": ["batch:b7"], "state": ["cancelled"]})["count"] == 3
    assert [pausable.wait_final(job["id"])["state"] for job in mine] == ["succeeded"] * 3
    assert pausable.wait_state(bobs["id"], "succeeded", client="bob")["state"] == "succeeded"
