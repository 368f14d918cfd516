"""A worker's consumer comes back by itself, every time, from a Redis that restarts
again and again while the worker runs jobs (docs/reliability.md: consumers that stayed
silent after a Redis restart)."""

from __future__ import annotations

import time

import pytest

from tests.e2e.platform import Platform
from tests.faults.conftest import FAULT_ENV
from tests.faults.harness import FaultRun
from tests.private_services import OwnPostgres, OwnRedis

pytestmark = pytest.mark.timeout(600)
ROUNDS = 6
RESTARTS = 3


def test_the_consumer_comes_back_from_redis_restarting_again_and_again(
    own_postgres: OwnPostgres, own_redis: OwnRedis
) -> None:
    with Platform.running(
        "redis", pg_url=own_postgres.url, redis_url=own_redis.url, extra_env=FAULT_ENV
    ) as platform:
        worker = platform.procs["worker"]
        pid = worker.pid
        run = FaultRun(platform, f"Redis restarted {RESTARTS}x in a row, {ROUNDS} times")
        for _ in range(ROUNDS):
            # given the worker running jobs (messages unacknowledged) with a pool process
            # free (its consumer waiting on a BRPOP)
            done = run.count(("succeeded",))
            run.submit(20, min_seconds=0.2, max_seconds=1.5)
            run.wait_done(done + 3)
            # when Redis is killed and started again, several times in a row
            for _ in range(RESTARTS):
                own_redis.kill()
                own_redis.start()
            back = time.time()
            # then the same worker process consumes again, by itself
            platform.wait_consuming("worker", since=back, timeout=60)
            assert worker.pid == pid, "the worker was restarted"
        # and every job succeeds, once (the reconciler publishes the lost messages)
        run.account(run.wait_all_final(time.monotonic()))
