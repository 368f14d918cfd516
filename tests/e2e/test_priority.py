"""Priorities on both brokers: a high-priority job submitted behind a backlog runs first.

A platform of its own with one worker process (concurrency 1, prefetch 1), so the order
in which jobs start is the order in which the broker hands out their messages.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import shared_services as services
from tests.e2e.conftest import BROKERS
from tests.e2e.platform import Platform


@pytest.fixture(scope="module", params=BROKERS)
def single_worker(request: pytest.FixtureRequest) -> Iterator[Platform]:
    services.require("postgres")
    services.require(request.param)
    with Platform.running(request.param, worker_concurrency=1) as running:
        yield running


def test_a_high_priority_job_overtakes_the_backlog(single_worker: Platform) -> None:
    platform = single_worker
    # given the only worker process busy with a job
    blocker = platform.submit({"type": "demo.sleep", "priority": 0, "params": {"seconds": 2}})
    platform.wait_state(blocker["id"], "running", timeout=30)
    # and a backlog of low-priority jobs submitted behind it
    response = platform.http.post(
        f"{platform.base_url}/v1/jobs/batch",
        json={
            "jobs": [
                {"type": "demo.sleep", "priority": 1, "params": {"seconds": 0.2, "steps": 1}}
                for _ in range(6)
            ]
        },
        headers=platform.headers(),
    )
    assert response.status_code == 201, response.text
    backlog = [job["id"] for job in response.json()["jobs"]]
    # when a high-priority job is submitted last
    high = platform.submit(
        {"type": "demo.sleep", "priority": 9, "params": {"seconds": 0.2, "steps": 1}}
    )
    # then, once the worker is free, it starts before every job of the backlog
    done_high = platform.wait_final(high["id"], timeout=60)
    done_backlog = [platform.wait_final(job_id, timeout=60) for job_id in backlog]
    assert platform.get(blocker["id"])["state"] == "succeeded"
    assert done_high["state"] == "succeeded"
    assert all(job["state"] == "succeeded" for job in done_backlog)
    first_of_backlog = min(job["started_at"] for job in done_backlog)
    assert done_high["started_at"] < first_of_backlog, (done_high, done_backlog)


def test_rabbitmq_queues_are_priority_queues(single_worker: Platform) -> None:
    if single_worker.broker.kind != "rabbitmq":
        pytest.skip("RabbitMQ only: Redis keeps one list per priority instead")
    import subprocess

    listed = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", single_worker.db_name, "name", "arguments"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    rows = {line.split("\t", 1)[0]: line for line in listed.splitlines() if "\t" in line}
    for queue in ("default", "conveyor"):
        assert "x-max-priority" in rows[queue], listed
        assert "10" in rows[queue], listed
