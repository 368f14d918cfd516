"""Bundles (one message, many jobs) on real workers and brokers, broken mid-run.

Every job of a bundle still reaches a final state exactly once: a worker killed with
bundles in hand, a broker that loses the bundles it held, a job cancelled while its
bundle waits, a rate-limited job type inside a bundle. Only the job a killed process was
running may run again (an attempt ``lost``); the jobs it had claimed and not started are
given back unused (docs/reliability.md#bundles).
"""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import pytest

from tests.e2e.platform import Platform
from tests.faults.conftest import FAULT_ENV
from tests.faults.harness import FaultRun
from tests.faults.test_faults import (
    break_broker,
    fault_platform,
    restore_broker,
    start_probed_worker,
)
from tests.private_services import OwnPostgres, OwnRedis
from tests.procs import wait_until

pytestmark = pytest.mark.timeout(600)
JOBS = 200
CONCURRENCY = 3  # the platform's worker's pool


def multi_attempt_jobs(run: FaultRun) -> int:
    rows = run.platform.sql(
        "SELECT count(*) FROM jobs_job WHERE labels->>'run' = %s AND attempts > 1", run.label
    )
    return int(rows[0][0])


def test_a_worker_killed_mid_bundle(
    broker_kind: str, own_postgres: OwnPostgres, own_redis: OwnRedis
) -> None:
    with fault_platform(broker_kind, own_postgres, own_redis) as platform:
        # given two workers running batch-submitted jobs, published as bundles
        start_probed_worker(platform, "worker2")
        run = FaultRun(platform, "kill -9 mid-bundle")
        run.submit_batch(JOBS, min_seconds=0.05, max_seconds=0.3)
        run.wait_done(30)
        # when one worker's main process is killed with bundles in its processes' hands
        os.kill(platform.procs["worker2"].pid, signal.SIGKILL)
        start_probed_worker(platform, "worker3")
        since = time.monotonic()
        # then every job succeeds once, and only the jobs its processes were running
        # used a second attempt: the claimed, unstarted ones ran once
        run.account(run.wait_all_final(since))
        assert multi_attempt_jobs(run) <= CONCURRENCY, attempts_of(run)


def attempts_of(run: FaultRun) -> list[tuple[object, ...]]:
    """The attempts of the jobs that made more than one: what each came to, where."""
    return run.platform.sql(
        "SELECT j.id::text, a.number, a.outcome, a.worker, a.started_at FROM jobs_job j "
        "JOIN jobs_jobattempt a ON a.job_id = j.id "
        "WHERE j.labels->>'run' = %s AND j.attempts > 1 ORDER BY j.id, a.number",
        run.label,
    )


def test_broker_loss_with_bundles_in_flight(
    broker_kind: str, own_postgres: OwnPostgres, own_redis: OwnRedis
) -> None:
    with fault_platform(broker_kind, own_postgres, own_redis) as platform:
        run = FaultRun(platform, "broker lost, bundles in flight")
        run.submit_batch(JOBS, min_seconds=0.05, max_seconds=0.3)
        run.wait_done(20)
        # when the broker goes away with the waiting bundles, and comes back empty
        with platform.probes_held():
            break_broker(platform, own_redis)
            restore_broker(platform, own_redis)
        platform.wait_consuming("worker", since=time.time())
        since = time.monotonic()
        # then the reconciler publishes the lost jobs again, and every job succeeds once
        run.account(run.wait_all_final(since))


def test_a_job_cancelled_while_its_bundle_waits(broker_kind: str) -> None:
    with Platform.running(broker_kind, extra_env=FAULT_ENV, worker_queues="conveyor") as platform:
        # given a batch published as bundles, waiting on the broker (no worker on its queue)
        run = FaultRun(platform, "cancel in a bundle")
        run.submit_batch(40, min_seconds=0.05, max_seconds=0.1)
        cancelled = run.accepted[17]
        response = platform.http.post(
            f"{platform.base_url}/v1/jobs/{cancelled}/cancel", headers=platform.headers()
        )
        assert response.status_code == 200, response.text
        # when a worker takes the bundles
        platform.start_worker("jobs", queues="default")
        run.wait_all_final(time.monotonic())
        # then the cancelled job never ran; every other one ran once
        rows = platform.sql(
            "SELECT j.id::text, j.state, count(a.id) FROM jobs_job j "
            "LEFT JOIN jobs_jobattempt a ON a.job_id = j.id "
            "WHERE j.labels->>'run' = %s GROUP BY j.id, j.state",
            run.label,
        )
        outcome = {row[0]: (row[1], int(row[2])) for row in rows}
        assert outcome.pop(cancelled) == ("cancelled", 0)
        assert set(outcome.values()) == {("succeeded", 1)}


def test_a_rate_limited_type_inside_a_bundle(broker_kind: str) -> None:
    # the API knows no limit (it bundles the jobs); the worker has one for their type
    with Platform.running(broker_kind, extra_env=FAULT_ENV, worker_queues="conveyor") as platform:
        run = FaultRun(platform, "rate limit in a bundle")
        run.submit_batch(12, min_seconds=0.01, max_seconds=0.02)
        platform.start_worker(
            "limited", queues="default", env={"CONVEYOR_TYPE_RATE_LIMITS": "demo.sleep=4/s"}
        )
        run.wait_all_final(time.monotonic())
        rows = platform.sql(
            "SELECT a.started_at FROM jobs_jobattempt a JOIN jobs_job j ON a.job_id = j.id "
            "WHERE j.labels->>'run' = %s ORDER BY a.started_at",
            run.label,
        )
        starts = [row[0] for row in rows]
        # every job ran once, and no second held more than the limit's 4 starts
        assert len(starts) == 12
        assert all(
            later - first >= timedelta(seconds=1)
            for first, later in zip(starts, starts[4:], strict=False)
        )
        assert run.count(("succeeded",)) == 12


def test_a_worker_told_to_stop_mid_bundle_gives_back_what_it_did_not_start(
    broker_kind: str,
) -> None:
    with Platform.running(broker_kind, extra_env=FAULT_ENV) as platform:
        # given a worker running bundles of jobs longer than its shutdown grace (2 s)
        run = FaultRun(platform, "SIGTERM mid-bundle")
        run.submit_batch(24, min_seconds=1.0, max_seconds=1.5)
        wait_until(lambda: run.count(("running",)) >= 1, timeout=60, message="a bundle to start")
        # when it is told to stop, and another worker takes over
        platform.procs["worker"].stop(timeout=30)
        platform.start_worker("worker2")
        run.wait_all_final(time.monotonic())
        # then every job succeeds once: the running ones ran again, the rest once
        rows = platform.sql(
            "SELECT count(*) FILTER (WHERE a.outcome = 'succeeded'), "
            "count(*) FILTER (WHERE a.outcome NOT IN ('succeeded', 'interrupted')) "
            "FROM jobs_jobattempt a JOIN jobs_job j ON a.job_id = j.id "
            "WHERE j.labels->>'run' = %s",
            run.label,
        )
        assert rows[0] == (24, 0)
        assert multi_attempt_jobs(run) <= CONCURRENCY
