"""The worker's liveness probe fails when the worker stops consuming, and only then."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from tests.e2e.platform import Platform
from tests.faults.conftest import FAULT_ENV
from tests.private_services import OwnPostgres, OwnRedis
from tests.procs import BIN, wait_until

MAX_AGE = "6"  # three heartbeats of 2 s


def probe(platform: Platform) -> bool:
    heartbeat = Path(platform.data_dir) / "worker.heartbeat"
    done = subprocess.run(
        [
            str(BIN / "python"),
            "-m",
            "conveyor_worker.health",
            "--max-age",
            MAX_AGE,
            "--file",
            str(heartbeat),
        ],
        capture_output=True,
        timeout=10,
        check=False,
    )
    return done.returncode == 0


def wait_for(platform: Platform, alive: bool, timeout: float, what: str) -> None:
    try:
        wait_until(lambda: probe(platform) is alive, timeout=timeout, message=what)
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\n{platform.logs()}") from None


def test_liveness_follows_consumption(own_postgres: OwnPostgres, own_redis: OwnRedis) -> None:
    with Platform.running(
        "redis", pg_url=own_postgres.url, redis_url=own_redis.url, extra_env=FAULT_ENV
    ) as platform:
        worker = platform.procs["worker"]
        # given a worker that consumes
        wait_for(platform, True, 20, "the worker to be alive")
        # when its main process is frozen (a wedged event loop), it is reported dead ...
        worker.signal(signal.SIGSTOP)
        try:
            wait_for(platform, False, 20, "liveness to fail")
        finally:
            worker.signal(signal.SIGCONT)
        # ... and alive again once it consumes again
        wait_for(platform, True, 20, "liveness to recover")
        # when the broker goes away, the worker cannot consume: reported dead
        pid = worker.pid
        own_redis.kill()
        wait_for(platform, False, 20, "liveness to fail without a broker")
        # and once the broker is back, the worker consumes again by itself (no restart:
        # see docs/reliability.md on consumers that stay silent after a Redis restart),
        # and the probe says so
        own_redis.start()
        job = platform.submit({"type": "demo.noop"})
        wait_for(platform, True, 60, "liveness after the broker is back")
        assert platform.wait_final(job["id"], timeout=90)["state"] == "succeeded"
        assert worker.pid == pid, "the worker was restarted"
