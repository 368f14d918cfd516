"""A rolling deploy never fails a job for want of a handler.

The API and the workers of a deployment load their job types from their own image: while
a new job type rolls out, the API may accept a job that an old worker cannot run. That
worker gives the job back without using an attempt, and a worker of the new release
runs it; a job whose type no worker handles fails only after a stated grace.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import shared_services as services
from tests.e2e.conftest import BROKERS
from tests.e2e.platform import Platform
from tests.procs import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
# Workers of the release before: the built-in handlers only.
OLD_HANDLERS = "conveyor_worker.handlers"
NEW_HANDLERS = "conveyor_worker.handlers,tests.e2e.handlers"


@pytest.fixture(scope="module", params=BROKERS)
def rolling_platform(request: pytest.FixtureRequest) -> Iterator[Platform]:
    """The API of the new release (it knows test.newcomer), a worker of the old one."""
    services.require("postgres")
    services.require(request.param)
    env = {
        "PYTHONPATH": str(ROOT),
        "CONVEYOR_JOB_TYPE_MODULES": "conveyor.jobtypes,tests.e2e.jobtypes",
        "CONVEYOR_HANDLER_MODULES": OLD_HANDLERS,
        "CONVEYOR_HAND_BACK_DELAY_SECONDS": "1",
        "CONVEYOR_WORKER_METRICS_PORT": str(free_port()),
    }
    with Platform.running(request.param, extra_env=env) as running:
        yield running


def handed_back(platform: Platform, job_type: str) -> float:
    samples = platform.worker_samples("conveyor_jobs_handed_back_total")
    return sum(value for labels, value in samples.items() if f'type="{job_type}"' in labels)


def test_an_old_worker_hands_the_job_back_and_a_new_one_runs_it(
    rolling_platform: Platform,
) -> None:
    platform = rolling_platform
    # given a job of a type the API knows and the running worker does not
    job = platform.submit({"type": "test.newcomer"})

    # when the old worker has taken it and given it back, more than once
    wait_until(
        lambda: handed_back(platform, "test.newcomer") >= 2,
        timeout=60,
        message=f"the old worker to hand test.newcomer back (logs:\n{platform.logs()})",
    )

    # then it is waiting, no attempt used, nothing failed
    waiting = platform.get(job["id"])
    assert waiting["state"] in {"scheduled", "queued"}
    assert waiting["attempts"] == 0
    assert waiting["error"] is None
    assert waiting["attempt_history"] == []

    # when a worker of the new release starts
    platform.start_worker("new", env={"CONVEYOR_HANDLER_MODULES": NEW_HANDLERS})

    # then it runs the job, in its first attempt
    done = platform.wait_final(job["id"], timeout=60)
    assert done["state"] == "succeeded", done
    assert done["attempts"] == 1
    assert [a["worker"].split("@")[0] for a in done["attempt_history"]] == ["new"]


def test_a_job_no_worker_handles_fails_after_the_grace(rolling_platform: Platform) -> None:
    platform = rolling_platform
    # given a worker whose grace for unhandled job types is two seconds
    platform.start_worker(
        "impatient",
        env={"CONVEYOR_UNHANDLED_TYPE_GRACE_SECONDS": "2"},
    )

    # when a job of a type no worker handles is submitted
    job = platform.submit({"type": "test.orphan"})

    # then it fails once the grace has passed, saying why and what to do (only when the
    # impatient worker draws it: the others hand it back, each time a one-in-two or
    # one-in-three draw, so the deadline leaves room for many rounds on a loaded machine)
    done = platform.wait_final(job["id"], timeout=180)
    assert done["state"] == "failed", done
    assert done["error"]["type"] == "UnknownJobType"
    assert "within 2 s of its submission" in done["error"]["message"]
    assert "CONVEYOR_HANDLER_MODULES" in done["error"]["message"]
    assert done["attempts"] == 1
