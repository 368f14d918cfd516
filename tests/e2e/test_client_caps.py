"""A client's cap on its running jobs holds across worker processes, on both brokers.

Two worker processes of two slots each. Alice may run one job at once
(``max_running_jobs = 1``) and submits a batch of slow jobs (published as bundles); Bob,
without a cap, submits one job after hers. Bob's job must run while Alice's wait, and
Alice must never have two jobs running: read from the database during the run, and from
her attempts' start and end times afterwards.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests import shared_services as services
from tests.e2e.conftest import BROKERS
from tests.e2e.platform import FINAL, Platform
from tests.procs import wait_until

ALICE_JOBS = 10
SLEEP_SECONDS = 1.0


@pytest.fixture(scope="module", params=BROKERS)
def capped(request: pytest.FixtureRequest) -> Iterator[Platform]:
    services.require("postgres")
    services.require(request.param)
    env = {"CONVEYOR_CLIENT_CAP_RETRY_SECONDS": "0.5"}
    with Platform.running(request.param, extra_env=env, worker_concurrency=2) as platform:
        platform.start_worker("worker2", concurrency=2)
        platform.sql(
            "UPDATE clients_apiclient SET max_running_jobs = 1 WHERE name = 'alice' RETURNING id"
        )
        yield platform


def running_of(platform: Platform, client: str) -> int:
    rows = platform.sql(
        "SELECT count(*) FROM jobs_job JOIN clients_apiclient c ON c.id = jobs_job.client_id "
        "WHERE c.name = %s AND jobs_job.state IN ('running', 'cancelling')",
        client,
    )
    return int(rows[0][0])


def test_one_clients_burst_does_not_starve_another(capped: Platform) -> None:
    # given Alice's batch of slow jobs, more than every worker slot together
    sleep = {"type": "demo.sleep", "params": {"seconds": SLEEP_SECONDS, "steps": 1}}
    response = capped.http.post(
        f"{capped.base_url}/v1/jobs/batch",
        json={"jobs": [sleep] * ALICE_JOBS},
        headers=capped.headers("alice"),
    )
    assert response.status_code == 201, response.text
    alice = [job["id"] for job in response.json()["jobs"]]
    wait_until(lambda: running_of(capped, "alice") >= 1, timeout=60, message="Alice's first job")

    # when Bob submits one job after hers
    bob = capped.submit(sleep, client="bob")["id"]

    # then Bob's job runs to its end while Alice's still wait, and Alice never has more
    # than one running at any moment we look
    most = 0

    def bob_done() -> bool:
        nonlocal most
        most = max(most, running_of(capped, "alice"))
        return capped.get(bob, client="bob")["state"] in FINAL

    wait_until(bob_done, timeout=60, interval=0.05, message="Bob's job to finish")
    assert capped.get(bob, client="bob")["state"] == "succeeded"
    unfinished = [job_id for job_id in alice if capped.get(job_id)["state"] not in FINAL]
    assert len(unfinished) >= ALICE_JOBS // 2, "Bob's job waited behind Alice's"

    def alice_done() -> bool:
        nonlocal most
        most = max(most, running_of(capped, "alice"))
        return all(capped.get(job_id)["state"] in FINAL for job_id in alice)

    wait_until(alice_done, timeout=120, interval=0.05, message="Alice's jobs to finish")
    assert most == 1

    # and each of Alice's jobs succeeded on its first attempt (waiting used none), one
    # after another: no two of her attempts overlap
    done = [capped.get(job_id) for job_id in alice]
    assert [(job["state"], job["attempts"]) for job in done] == [("succeeded", 1)] * ALICE_JOBS
    spans = capped.sql(
        "SELECT started_at, finished_at FROM jobs_jobattempt WHERE job_id::text = ANY(%s) "
        "ORDER BY started_at",
        alice,
    )
    assert len(spans) == ALICE_JOBS
    overlaps = [(a, b) for a, b in itertools.pairwise(spans) if b[0] < a[1]]
    assert not overlaps, overlaps
