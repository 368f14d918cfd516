"""A job that runs many times its lease, on a real worker with the reconciler running
often: the worker's renewals keep the lease, so the job succeeds in its first attempt."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import shared_services as services
from tests.e2e.platform import Platform, elapsed

LEASE_SECONDS = 3
JOB_SECONDS = 4 * LEASE_SECONDS


@pytest.fixture(scope="module")
def short_lease_platform() -> Iterator[Platform]:
    """A platform whose leases lapse after a few seconds unless renewed, and whose
    reconciler looks for lapsed leases every second. (Renewal does not depend on the
    broker: one is enough.)"""
    services.require("postgres")
    services.require("redis")
    env = {
        "CONVEYOR_LEASE_SECONDS": str(LEASE_SECONDS),
        "CONVEYOR_RECONCILE_INTERVAL_SECONDS": "1",
    }
    with Platform.running("redis", extra_env=env, worker_concurrency=2) as running:
        yield running


def test_a_job_longer_than_its_lease_succeeds_in_one_attempt(
    short_lease_platform: Platform,
) -> None:
    # given: a job that runs four leases long
    reconciles_before = reconciles_sent(short_lease_platform)
    job = short_lease_platform.submit(
        {"type": "demo.sleep", "params": {"seconds": JOB_SECONDS, "steps": 4}}
    )

    # when
    done = short_lease_platform.wait_final(job["id"], timeout=JOB_SECONDS + 60)

    # then: one attempt, never taken for lost and run again
    assert done["state"] == "succeeded", done
    assert done["attempts"] == 1
    assert [a["outcome"] for a in done["attempt_history"]] == ["succeeded"]
    assert elapsed(done["started_at"], done["finished_at"]) >= JOB_SECONDS
    # and the reconciler was sent meanwhile (and found no lapsed lease to act on)
    assert reconciles_sent(short_lease_platform) > reconciles_before


def reconciles_sent(platform: Platform) -> int:
    """How many times beat has sent the reconciler so far (from its log)."""
    return platform.procs["beat"].log_path.read_text(errors="replace").count("(conveyor.reconcile)")
