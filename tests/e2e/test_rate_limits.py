"""Rate limits hold across worker processes, on both brokers.

A platform of its own with four worker processes (distinct hostnames), a limit of 5/s on
the ``demo.noop`` job type and one of 4/s on the ``limited`` queue. A burst of jobs must
all succeed, spread over several workers, and no window of one second may hold more starts
than the limit: a per-worker limit (Celery's own) would let each worker start that many.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from tests import shared_services as services
from tests.e2e.conftest import BROKERS
from tests.e2e.platform import Platform
from tests.procs import wait_until

TYPE_LIMIT = 5
QUEUE_LIMIT = 4
EXTRA_WORKERS = ("worker2", "worker3", "worker4")


@pytest.fixture(scope="module", params=BROKERS)
def limited(request: pytest.FixtureRequest) -> Iterator[Platform]:
    services.require("postgres")
    services.require(request.param)
    env = {
        "CONVEYOR_TYPE_RATE_LIMITS": f"demo.noop={TYPE_LIMIT}/s",
        "CONVEYOR_QUEUE_RATE_LIMITS": f"limited={QUEUE_LIMIT}/s",
        "CONVEYOR_EXTRA_QUEUES": "idle,limited",
    }
    with Platform.running(request.param, extra_env=env, worker_concurrency=2) as platform:
        for name in EXTRA_WORKERS:
            platform.start_worker(name, concurrency=2, queues="default,limited")
        wait_until(
            lambda: all(
                (platform.data_dir / f"{name}.heartbeat").exists()
                for name in ("worker", *EXTRA_WORKERS)
            ),
            timeout=60,
            message="every worker to consume",
        )
        yield platform


def submit_batch(platform: Platform, jobs: list[dict[str, object]]) -> list[str]:
    response = platform.http.post(
        f"{platform.base_url}/v1/jobs/batch", json={"jobs": jobs}, headers=platform.headers()
    )
    assert response.status_code == 201, response.text
    return [job["id"] for job in response.json()["jobs"]]


def attempts_of(platform: Platform, job_ids: list[str]) -> list[tuple[datetime, str]]:
    """(started_at, worker) of every attempt of these jobs, in start order."""
    rows = platform.sql(
        "SELECT started_at, worker FROM jobs_jobattempt WHERE job_id::text = ANY(%s) "
        "ORDER BY started_at",
        job_ids,
    )
    return [(row[0], row[1]) for row in rows]


def crowded_windows(starts: list[datetime], limit: int) -> list[tuple[datetime, datetime]]:
    """Pairs of starts ``limit`` apart that are less than a second apart: a window of one
    second holding more than ``limit`` starts."""
    return [
        (starts[i], starts[i + limit])
        for i in range(len(starts) - limit)
        if starts[i + limit] - starts[i] < timedelta(seconds=1)
    ]


def put_off_in_logs(platform: Platform) -> int:
    return sum(
        (platform.data_dir / f"{name}.log").read_text(errors="replace").count(" put off until ")
        for name in ("worker", *EXTRA_WORKERS)
    )


def assert_held(platform: Platform, job_ids: list[str], limit: int) -> None:
    done = [platform.wait_final(job_id, timeout=120) for job_id in job_ids]
    assert [job["state"] for job in done] == ["succeeded"] * len(job_ids)
    # no job used an attempt while it waited for a slot
    assert [job["attempts"] for job in done] == [1] * len(job_ids)
    attempts = attempts_of(platform, job_ids)
    assert len(attempts) == len(job_ids)
    starts = [started for started, _worker in attempts]
    assert not crowded_windows(starts, limit), (starts, platform.logs())
    workers = {worker for _started, worker in attempts}
    assert len(workers) >= 3, workers


def test_a_job_type_limit_holds_across_workers(limited: Platform) -> None:
    # given 30 demo.noop jobs (limit 5/s) submitted at once to four worker processes
    job_ids = submit_batch(limited, [{"type": "demo.noop"} for _ in range(30)])
    # then they all succeed, spread over the workers, never more than five in a second
    assert_held(limited, job_ids, TYPE_LIMIT)
    # and the jobs that found the limit full waited, scheduled, instead of running
    assert put_off_in_logs(limited) > 0


def test_a_queue_limit_holds_across_workers(limited: Platform) -> None:
    # given 24 jobs on the limited queue (4/s), of a job type without a limit of its own
    job_ids = submit_batch(
        limited,
        [
            {"type": "demo.sleep", "queue": "limited", "params": {"seconds": 0, "steps": 1}}
            for _ in range(24)
        ],
    )
    # then they all succeed, never more than four in a second
    assert_held(limited, job_ids, QUEUE_LIMIT)


def test_a_job_waiting_for_its_limit_shows_scheduled_with_its_run_at(limited: Platform) -> None:
    # given a burst far above the limit
    job_ids = submit_batch(limited, [{"type": "demo.noop"} for _ in range(20)])
    # when some of them are put off
    waiting = wait_until(
        lambda: next(
            (job for job_id in job_ids if (job := limited.get(job_id))["state"] == "scheduled"),
            None,
        ),
        timeout=60,
        message="a job put off by the rate limit",
    )
    # then it shows as scheduled until its run_at, and runs later all the same
    assert isinstance(waiting, dict)
    assert waiting["run_at"] is not None
    assert waiting["attempts"] == 0
    for job_id in job_ids:
        assert limited.wait_final(job_id, timeout=120)["state"] == "succeeded"
