"""The autoscaling scenario: idle at zero, a burst, out to the maximum, drained, back to zero.

A real platform (gunicorn, a worker for the other queues, beat, PostgreSQL, the broker)
and a pool of real ``celery worker`` processes for queue ``burst`` that the local
controller scales with the chart's ScaledObject. ``make autoscale-demo`` runs it and
writes the CSV and the plot; the tests run it against Redis and RabbitMQ.

    python -m tools.autoscale.demo --broker redis --trigger prometheus --out docs/img
"""

from __future__ import annotations

import argparse
import contextlib
import random
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.platform import Platform
from tests.metrics.prometheus import Target, running_prometheus
from tests.procs import BIN
from tests.procs import run as run_command
from tools.autoscale.chart import CONCURRENCY, POOL, scaled_pool
from tools.autoscale.controller import Controller, Tick
from tools.autoscale.pool import WorkerPool
from tools.autoscale.scalers import Scaler

FINAL = ("succeeded", "failed", "cancelled")
HPA_SYNC_SECONDS = 3.0  # 15 s in a cluster, compressed like the ScaledObject's times
SENDERS = 6  # concurrent clients submitting the burst


@dataclass
class Report:
    broker: str
    trigger: str
    jobs: int
    max_replicas: int
    succeeded: int
    states: dict[str, int]
    attempts_not_succeeded: int  # attempts a scale-down (or anything else) cut short
    jobs_run_more_than_once: int
    time_to_first_worker: float  # burst start -> first worker ready
    time_to_max: float  # burst start -> max replicas running
    time_to_drain: float  # burst start -> last job finished
    time_to_zero: float  # burst start -> no worker left
    peak_running: int
    killed_at_grace: int
    csv: Path
    png: Path
    ticks: list[Tick] = field(repr=False, default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.broker}/{self.trigger}: {self.jobs} jobs, {self.succeeded} succeeded; "
            f"first worker after {self.time_to_first_worker:.1f} s, max ({self.max_replicas}) "
            f"after {self.time_to_max:.1f} s, drained after {self.time_to_drain:.1f} s, zero "
            f"workers after {self.time_to_zero:.1f} s; attempts cut short "
            f"{self.attempts_not_succeeded}, jobs run more than once "
            f"{self.jobs_run_more_than_once}, workers killed at the grace deadline "
            f"{self.killed_at_grace}"
        )


def worker_command(name: str) -> list[str]:
    return [
        str(BIN / "celery"),
        "-A",
        "conveyor_worker.app",
        "worker",
        "-Q",
        POOL,
        "-c",
        str(CONCURRENCY),
        "-n",
        f"{name}@%h",
        "--loglevel=INFO",
        "-O",
        "fair",
    ]


def platform_env() -> dict[str, str]:
    return {
        "CONVEYOR_EXTRA_QUEUES": f"idle,{POOL}",
        # the API's cached counts: 1 s instead of 5 s, like the other compressed times
        "CONVEYOR_QUEUE_STATS_TTL_SECONDS": "1",
        # many workers on one machine: no exporter port each
        "CONVEYOR_WORKER_METRICS_PORT": "0",
        # the warm shutdown's deadline, inside the pod's 10 s grace
        "CONVEYOR_SHUTDOWN_GRACE_SECONDS": "8",
        # the burst is demo.sleep jobs from one client, beyond a tenant's fair share
        "CONVEYOR_DEMO_JOB_TYPES": "true",
        "CONVEYOR_THROTTLE_RATE": "none",
        "CONVEYOR_MAX_UNFINISHED_JOBS": "0",
    }


@contextlib.contextmanager
def metric_base(platform: Platform, trigger: str) -> Iterator[str]:
    """Where the trigger's cluster address points here: a real Prometheus, or the API."""
    if trigger == "prometheus":
        api = platform.base_url.removeprefix("http://")
        with running_prometheus([Target("conveyor-api", api)]) as prometheus:
            yield prometheus.url
    else:
        yield platform.base_url


def running_by_worker(platform: Platform) -> dict[str, int]:
    """What each worker would annotate its pod with: the jobs it runs (pod-deletion-cost)."""
    rows = platform.sql(
        "SELECT lease_owner, count(*) FROM jobs_job "
        "WHERE queue = %s AND state IN ('running', 'cancelling') GROUP BY lease_owner",
        POOL,
    )
    return {str(owner).split("@", 1)[0]: int(n) for owner, n in rows}


def submit_burst(platform: Platform, count: int, seed: int, ids: list[str]) -> None:
    """``count`` demo.sleep jobs of 1-5 s, from several clients at once (a burst)."""
    rng = random.Random(seed)
    bodies: list[dict[str, Any]] = [
        {
            "type": "demo.sleep",
            "queue": POOL,
            "params": {"seconds": round(rng.uniform(1, 5), 2), "steps": 2},
        }
        for _ in range(count)
    ]
    with ThreadPoolExecutor(max_workers=SENDERS) as senders:
        for job in senders.map(platform.submit, bodies):
            ids.append(job["id"])


def keda_key(platform: Platform) -> str:
    """The key of KEDA's TriggerAuthentication: scope queues:read only."""
    name = f"keda-{uuid.uuid4().hex[:6]}"
    command = [str(BIN / "conveyor"), "create_api_client", name, "--scopes", "queues:read"]
    return run_command([*command, "--key-only"], platform.env).strip()


def run(
    platform: Platform,
    *,
    broker: str,
    trigger: str,
    out: Path,
    jobs: int = 300,
    seed: int = 7,
    timeout: float = 240,
) -> Report:
    scaled, grace = scaled_pool(trigger)
    out.mkdir(parents=True, exist_ok=True)
    with metric_base(platform, trigger) as base:
        scaler = Scaler(scaled.triggers[0], base_url=base, token=keda_key(platform))
        pool = WorkerPool(
            name=POOL,
            command=worker_command,
            env=platform.env,
            log_dir=platform.data_dir,
            termination_grace_seconds=grace,
            deletion_cost=lambda: running_by_worker(platform),
        )
        controller = Controller(scaled, [scaler], pool, hpa_sync_seconds=HPA_SYNC_SECONDS)
        try:
            # idle: the pool stays at zero
            controller.run_until(lambda: controller.clock() - controller.started_at > 3, timeout=10)
            assert controller.replicas == 0, controller.ticks[-3:]

            ids: list[str] = []
            burst_at = controller.clock() - controller.started_at
            sender = threading.Thread(target=submit_burst, args=(platform, jobs, seed, ids))
            sender.start()

            def finished() -> bool:
                if sender.is_alive() or len(ids) < jobs:
                    return False
                done = platform.sql(
                    "SELECT count(*) FROM jobs_job WHERE queue = %s AND state = ANY(%s)",
                    POOL,
                    list(FINAL),
                )[0][0]
                return bool(done == jobs and controller.replicas == 0 and not pool.replicas)

            controller.run_until(finished, timeout=timeout)
            sender.join()
        finally:
            pool.stop()
    return _report(platform, controller, pool, broker, trigger, out, jobs, burst_at)


def _report(
    platform: Platform,
    controller: Controller,
    pool: WorkerPool,
    broker: str,
    trigger: str,
    out: Path,
    jobs: int,
    burst_at: float,
) -> Report:
    states = dict(
        platform.sql("SELECT state, count(*) FROM jobs_job WHERE queue = %s GROUP BY state", POOL)
    )
    cut = platform.sql(
        "SELECT count(*) FROM jobs_jobattempt a JOIN jobs_job j ON j.id = a.job_id "
        "WHERE j.queue = %s AND a.outcome <> 'succeeded'",
        POOL,
    )[0][0]
    again = platform.sql("SELECT count(*) FROM jobs_job WHERE queue = %s AND attempts > 1", POOL)[
        0
    ][0]
    drain = platform.sql(
        "SELECT extract(epoch FROM max(finished_at) - min(created_at)) FROM jobs_job "
        "WHERE queue = %s",
        POOL,
    )[0][0]
    start = controller.started_at
    ready = [e.at - start for e in pool.events if e.what == "ready"]
    at_max = [t.t for t in controller.ticks if t.running >= controller.scaled.max_replicas]
    after = [t for t in controller.ticks if t.t > burst_at]
    zero = next(
        (
            t.t
            for t in after
            if t.t > burst_at + 1
            and t.running == 0
            and t.terminating == 0
            and t.replicas == 0
            and any(p.running for p in after if p.t < t.t)
        ),
        float("nan"),
    )
    stem = f"autoscaling-{broker}-{trigger}"
    csv_path, png_path = out / f"{stem}.csv", out / f"{stem}.png"
    controller.write_csv(csv_path)
    plot(controller.ticks, png_path, burst_at, f"{broker}, {trigger} trigger, {jobs} jobs")
    return Report(
        broker=broker,
        trigger=trigger,
        jobs=jobs,
        max_replicas=controller.scaled.max_replicas,
        succeeded=int(states.get("succeeded", 0)),
        states={str(k): int(v) for k, v in states.items()},
        attempts_not_succeeded=int(cut),
        jobs_run_more_than_once=int(again),
        time_to_first_worker=(min(ready) - burst_at) if ready else float("nan"),
        time_to_max=(min(at_max) - burst_at) if at_max else float("nan"),
        time_to_drain=float(drain),
        time_to_zero=zero - burst_at,
        peak_running=max(t.running for t in controller.ticks),
        killed_at_grace=sum(1 for e in pool.events if e.what.startswith("killed")),
        csv=csv_path,
        png=png_path,
        ticks=controller.ticks,
    )


def plot(ticks: list[Tick], path: Path, burst_at: float, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    polled = [t for t in ticks if t.metric is not None]
    fig, backlog_axis = plt.subplots(figsize=(10, 4.5), dpi=100)
    backlog_axis.plot(
        [t.t for t in polled],
        [float(t.metric or 0.0) for t in polled],
        color="tab:blue",
        label="backlog",
    )
    backlog_axis.set_xlabel("seconds")
    backlog_axis.set_ylabel("backlog (queued + running jobs)", color="tab:blue")
    backlog_axis.axvline(burst_at, color="grey", linestyle=":", label="burst submitted")
    replicas_axis = backlog_axis.twinx()
    times = [t.t for t in ticks]
    replicas_axis.step(
        times, [t.replicas for t in ticks], where="post", color="tab:orange", label="replicas"
    )
    replicas_axis.step(
        times,
        [t.ready for t in ticks],
        where="post",
        color="tab:green",
        linestyle="--",
        label="ready workers",
    )
    replicas_axis.set_ylabel("workers")
    replicas_axis.set_ylim(bottom=0, top=max(t.replicas for t in ticks) + 1)
    lines = backlog_axis.get_legend_handles_labels()
    more = replicas_axis.get_legend_handles_labels()
    backlog_axis.legend(lines[0] + more[0], lines[1] + more[1], loc="upper right")
    backlog_axis.set_title(f"conveyor autoscaling: {title}")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the autoscaling scenario once.")
    parser.add_argument("--broker", choices=["redis", "rabbitmq"], default="redis")
    parser.add_argument("--trigger", choices=["prometheus", "metrics-api"], default="prometheus")
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("var/autoscale"))
    args = parser.parse_args(argv)
    started = time.monotonic()
    with Platform.running(args.broker, extra_env=platform_env()) as platform:
        report: Any = run(
            platform, broker=args.broker, trigger=args.trigger, out=args.out, jobs=args.jobs
        )
    print(report.summary())
    print(f"CSV {report.csv}\nplot {report.png}\n({time.monotonic() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
