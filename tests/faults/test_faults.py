"""The promise that nothing accepted is lost, tested by breaking things mid-run.

Each test runs 200 short jobs on a real platform (gunicorn, celery workers, beat), breaks
one part while they run, and checks at the end that every accepted job succeeded, none
is stuck and none finished twice; that no submission was refused, unless the scenario
says what the refusals must be; and that the workers' liveness probes (every worker has
one, as in the chart) restarted exactly the workers the scenario stops consuming, none
otherwise. The table of runs is printed at the end of the session.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.platform import Platform
from tests.faults.conftest import FAULT_ENV
from tests.faults.harness import DATABASE_UNAVAILABLE, FaultRun
from tests.private_services import OwnPostgres, OwnRabbitMQ, OwnRedis
from tests.procs import wait_until

pytestmark = pytest.mark.timeout(600)
JOBS = 200


@contextmanager
def fault_platform(
    broker_kind: str, own_postgres: OwnPostgres, own_redis: OwnRedis, **env: str
) -> Iterator[Platform]:
    """The platform on the tests' own servers, its worker watched by the chart's liveness
    probe (what a kubelet does; ``account`` checks how often it restarted a worker)."""
    with Platform.running(
        broker_kind,
        pg_url=own_postgres.url,
        redis_url=own_redis.url,
        extra_env={**FAULT_ENV, **env},
    ) as platform:
        platform.probe_worker_liveness("worker")
        yield platform


def start_probed_worker(platform: Platform, name: str) -> None:
    platform.start_worker(name)
    platform.probe_worker_liveness(name)


def rabbitmq_vhost(action: str, vhost: str) -> None:
    subprocess.run(
        ["rabbitmqctl", "-q", f"{action}_vhost", vhost], check=True, capture_output=True, timeout=60
    )
    if action == "add":
        subprocess.run(
            ["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
            check=True,
            capture_output=True,
            timeout=60,
        )


def break_broker(platform: Platform, own_redis: OwnRedis) -> None:
    """The broker goes away, and whatever it held is gone."""
    if platform.broker.kind == "redis":
        own_redis.kill()
    else:
        rabbitmq_vhost("delete", platform.db_name)


def restore_broker(platform: Platform, own_redis: OwnRedis) -> None:
    if platform.broker.kind == "redis":
        own_redis.start()
    else:
        rabbitmq_vhost("add", platform.db_name)


def broker_reported_down(platform: Platform) -> bool:
    """``/readyz`` reports the broker down while the API stays ready (a submission is
    stored and published later); a 503 fails the wait with its body as the last error."""
    response = platform.http.get(f"{platform.base_url}/readyz")
    assert response.status_code == 200, response.text
    return str(response.json()["checks"]["broker"]).startswith("broker unavailable")


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def test_a_wedged_worker_is_restarted_by_its_liveness_probe(
    broker_kind: str, own_postgres: OwnPostgres, own_redis: OwnRedis
) -> None:
    with fault_platform(broker_kind, own_postgres, own_redis) as platform:
        # given the only worker running a batch
        run = FaultRun(platform, "worker wedged")
        run.submit(JOBS)
        run.wait_done(30)
        # when its main process stops consuming (frozen: its heartbeat goes stale)
        worker = platform.procs["worker"]
        os.kill(worker.pid, signal.SIGSTOP)
        since = time.monotonic()
        # then the probe restarts it, and every job still succeeds, once
        wait_until(
            lambda: worker.probe_restarts == 1,
            timeout=120,
            message="the liveness probe to restart the frozen worker",
        )
        # exactly one restart: the frozen process's; the worker started in its place
        # consumes, so the probe leaves it alone
        run.account(run.wait_all_final(since), probe_restarts=1)


def test_workers_killed_mid_job(
    broker_kind: str, own_postgres: OwnPostgres, own_redis: OwnRedis
) -> None:
    with fault_platform(broker_kind, own_postgres, own_redis) as platform:
        # given two workers running a batch
        start_probed_worker(platform, "worker2")
        run = FaultRun(platform, "kill -9")
        run.submit(JOBS)
        run.wait_done(30)
        # when a pool process of one is killed, then the other's main process
        os.kill(children(platform.procs["worker"].pid)[0], signal.SIGKILL)
        run.wait_done(80)
        os.kill(platform.procs["worker2"].pid, signal.SIGKILL)
        start_probed_worker(platform, "worker3")
        since = time.monotonic()
        # then every job still succeeds, once, and the surviving worker never stopped
        # consuming (the probe leaves the killed one alone: it exited)
        run.account(run.wait_all_final(since))


def test_broker_restart_loses_its_data(
    broker_kind: str, own_postgres: OwnPostgres, own_redis: OwnRedis
) -> None:
    with fault_platform(broker_kind, own_postgres, own_redis) as platform:
        run = FaultRun(platform, "broker restart, data lost")
        run.submit(JOBS)
        run.wait_done(40)
        with run.submitting():
            # when the broker restarts empty, mid-run, while a client submits
            with platform.probes_held():
                break_broker(platform, own_redis)
                restore_broker(platform, own_redis)
            back = time.time()
            # then the worker's consumer comes back by itself
            platform.wait_consuming("worker", since=back)
            accepted = len(run.accepted)
            wait_until(
                lambda: len(run.accepted) >= accepted + 20,
                timeout=30,
                message="20 submissions once the broker is back",
            )
        since = time.monotonic()
        # and the reconciler publishes the lost messages again: every job succeeds, no
        # submission was refused, and no probe had to restart the worker
        run.account(run.wait_all_final(since))


@pytest.mark.parametrize("data", ["kept", "lost"])
def test_rabbitmq_node_restarted_under_submissions(
    data: str, own_postgres: OwnPostgres, own_rabbitmq: OwnRabbitMQ
) -> None:
    """A RabbitMQ node crashes and restarts, keeping its data dir or on an empty one
    (queues and messages gone), while clients submit and the worker runs jobs."""
    with Platform.running(
        "rabbitmq",
        pg_url=own_postgres.url,
        rabbitmq_url=own_rabbitmq.url,
        extra_env=FAULT_ENV,
    ) as platform:
        platform.probe_worker_liveness("worker")
        # given the worker running a batch, and a client still submitting
        run = FaultRun(platform, f"RabbitMQ node restart, data {data}")
        run.submit(JOBS // 2)
        run.wait_done(30)
        with run.submitting():
            # when the node crashes (the API's readiness says so) and starts again, with
            # its data dir removed if lost
            with platform.probes_held():
                own_rabbitmq.kill()
                down = len(run.accepted)
                wait_until(
                    lambda: broker_reported_down(platform),
                    timeout=15,
                    message="/readyz to report the broker down, ready still",
                )
                if data == "lost":
                    own_rabbitmq.wipe()
                own_rabbitmq.start()
            # then the worker's consumer reconnects by itself
            platform.wait_consuming("worker", since=time.time())
            back = len(run.accepted)
            wait_until(
                lambda: len(run.accepted) >= back + 20,
                timeout=30,
                message="20 submissions once the node is back",
            )
        since = time.monotonic()
        # and submissions went on while the node was down,
        assert back > down, "no submission while the node was down"
        # none was refused, every accepted job succeeds, once (the lost messages published
        # again), and no probe had to restart the worker
        run.account(run.wait_all_final(since))


def test_broker_down_during_submission(
    broker_kind: str, own_postgres: OwnPostgres, own_redis: OwnRedis
) -> None:
    with fault_platform(broker_kind, own_postgres, own_redis) as platform:
        run = FaultRun(platform, "broker down at submit")
        with platform.probes_held():
            # given the broker is down
            break_broker(platform, own_redis)
            wait_until(
                lambda: broker_reported_down(platform),
                timeout=15,
                message="/readyz to report the broker down, ready still",
            )
            # when jobs are submitted, every one is accepted
            run.submit(JOBS)
            assert run.refused == 0, "submission must not depend on the broker"
            ready = platform.http.get(f"{platform.base_url}/readyz")
            assert ready.status_code == 200, "ready while the outbox accepts: " + ready.text
            assert ready.json()["checks"]["broker"].startswith("broker unavailable")
            assert ready.json()["checks"]["database"] == "ok"
            # then, once it is back,
            restore_broker(platform, own_redis)
        since = time.monotonic()
        # the worker's consumer comes back by itself, they all run, and no probe had to
        # restart the worker
        platform.wait_consuming("worker", since=time.time())
        run.account(run.wait_all_final(since))


def test_sigterm_scale_down_mid_run(
    broker_kind: str, own_postgres: OwnPostgres, own_redis: OwnRedis
) -> None:
    with fault_platform(broker_kind, own_postgres, own_redis) as platform:
        # given three workers running jobs of up to 1.5 s (the shutdown grace is 2 s)
        start_probed_worker(platform, "worker2")
        start_probed_worker(platform, "worker3")
        run = FaultRun(platform, "SIGTERM scale-down")
        run.submit(JOBS, min_seconds=0.2, max_seconds=1.5)
        run.wait_done(30)
        # when two of them are told to stop, one after the other, while the third goes on
        for name in ("worker", "worker2"):
            proc = platform.procs[name]
            proc.signal(signal.SIGTERM)
            assert proc.popen is not None
            # then each exits 0 within its grace (plus the time to hand jobs back)
            try:
                code = proc.popen.wait(30)
            except subprocess.TimeoutExpired:
                pytest.fail(f"{name} still runs 30 s after SIGTERM; its log:\n{proc.log_tail()}")
            assert code == 0, proc.log_tail()
            run.wait_done(run.count(("succeeded",)) + 20)
        since = time.monotonic()
        # and every job, including those cut short, succeeds once (the probe leaves the
        # stopped workers alone: they exited)
        run.account(run.wait_all_final(since))


def test_database_unavailable_for_a_few_seconds(
    broker_kind: str, own_postgres: OwnPostgres, own_redis: OwnRedis
) -> None:
    # Leases outlast the outage, as in production (30 s), so no attempt is presumed lost.
    with fault_platform(
        broker_kind, own_postgres, own_redis, CONVEYOR_LEASE_SECONDS="30"
    ) as platform:
        run = FaultRun(platform, "database down 5 s")
        run.submit(JOBS)
        run.wait_done(40)
        with run.submitting():
            # when the database stops for 5 s while a client submits
            own_postgres.stop()
            down = time.monotonic()
            refused = run.refused
            # then the API refuses the submissions meanwhile (account checks each is the
            # documented 503 with Retry-After), and nothing else fails
            wait_until(lambda: run.refused > refused, timeout=30, message="a submission refused")
            wait_until(lambda: time.monotonic() - down >= 5, timeout=10, message="5 s of outage")
            own_postgres.start()
            accepted = len(run.accepted)
            wait_until(
                lambda: len(run.accepted) >= accepted + 20,
                timeout=60,
                message="20 submissions once the database is back",
            )
        since = time.monotonic()
        # and, once it is back, the workers' retried writes finish every job; the
        # workers' consumers never stopped (the broker was up)
        run.account(run.wait_all_final(since), refusals=DATABASE_UNAVAILABLE)
