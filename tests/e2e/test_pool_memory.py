"""The pool's processes keep sharing what the worker's main process loaded: it froze its
objects before forking them (``conveyor_worker/sharing.py``), so no process's garbage
collector copies their pages. The memory itself is measured by ``bench`` (scenario
``memory``, docs/performance.md)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import shared_services as services
from tests.e2e.platform import Platform, killable_job_types_env


@pytest.fixture(scope="module")
def one_process_platform() -> Iterator[Platform]:
    """One pool process, the test job types, and a 1 s grace after the hard limit."""
    services.require("postgres")
    services.require("redis")
    env = killable_job_types_env()
    with Platform.running("redis", extra_env=env, worker_concurrency=1) as running:
        yield running


def run_sharing(platform: Platform) -> dict[str, int]:
    job = platform.submit({"type": "test.sharing"})
    done = platform.wait_final(job["id"])
    assert done["state"] == "succeeded", done
    return dict(done["result"])


def test_pool_processes_start_with_the_main_process_objects_frozen(
    one_process_platform: Platform,
) -> None:
    platform = one_process_platform
    # when a job runs in the pool process
    first = run_sharing(platform)
    # then its process holds the main process's objects in the permanent generation
    assert first["frozen"] > 10_000, first
    # given that process killed at a hard time limit
    killed = platform.submit(
        {"type": "test.stubborn", "timeout_seconds": 1, "params": {"seconds": 30}}
    )
    assert platform.wait_final(killed["id"], timeout=30)["state"] == "failed"
    # when the next job runs, in the process that replaced it
    second = run_sharing(platform)
    # then that one started frozen too
    assert second["pid"] != first["pid"]
    assert second["frozen"] > 10_000, second
