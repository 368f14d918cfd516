"""A handler that ignores its soft time limit is killed at the hard one, and that counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import shared_services as services
from tests.e2e.conftest import BROKERS
from tests.e2e.platform import Platform, elapsed, killable_job_types_env
from tests.procs import wait_until


@pytest.fixture(scope="module", params=BROKERS)
def killing_platform(request: pytest.FixtureRequest) -> Iterator[Platform]:
    """The platform with the test job types, a 1 s hard-limit grace and a metrics port."""
    services.require("postgres")
    services.require(request.param)
    env = killable_job_types_env()
    with Platform.running(request.param, extra_env=env) as running:
        yield running


def worker_samples(platform: Platform, name: str) -> dict[str, float]:
    """The worker's samples of metric ``name`` for test.stubborn, by their label text."""
    samples = platform.worker_samples(name)
    return {labels: v for labels, v in samples.items() if 'type="test.stubborn"' in labels}


def test_a_job_past_its_hard_limit_is_killed_failed_and_counted(
    killing_platform: Platform,
) -> None:
    platform = killing_platform
    # given a job whose handler swallows the soft limit (1 s); the hard one is 1 s later
    job = platform.submit(
        {"type": "test.stubborn", "timeout_seconds": 1, "params": {"seconds": 30}}
    )
    # when the worker's main process kills it
    done = platform.wait_final(job["id"], timeout=30)
    # then the job failed at the hard limit, in one attempt that timed out
    assert done["state"] == "failed", done
    assert done["error"]["type"] == "TimeLimitExceeded"
    assert "hard time limit" in done["error"]["message"]
    assert [a["outcome"] for a in done["attempt_history"]] == ["timed_out"]
    assert elapsed(done["started_at"], done["finished_at"]) < 15
    # and the worker's metrics count the attempt's end, not only its start
    attempts = wait_until(
        lambda: worker_samples(platform, "conveyor_job_attempts_total"),
        timeout=10,
        message="the killed attempt in the worker's metrics",
    )
    assert attempts == {
        'conveyor_job_attempts_total{outcome="failed",queue="default",type="test.stubborn"}': 1.0
    }
    finished = worker_samples(platform, "conveyor_jobs_finished_total")
    assert list(finished.values()) == [1.0]
    assert 'state="failed"' in next(iter(finished))
    assert list(worker_samples(platform, "conveyor_jobs_started_total").values()) == [1.0]
    runs = worker_samples(platform, "conveyor_job_run_seconds_count")
    assert list(runs.values()) == [1.0]
    # and the pool replaced the killed process: the next job runs
    after = platform.submit({"type": "demo.noop"})
    assert platform.wait_final(after["id"])["state"] == "succeeded"
