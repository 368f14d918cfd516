"""The worker's Prometheus metrics, served by its main process on port 9808.

Jobs run in the prefork pool's child processes, which come and go (a child is replaced
after ``CELERY_WORKER_MAX_TASKS_PER_CHILD`` jobs or when it dies). So every metric is
recorded in prometheus-client's multiprocess mode: each child writes its samples to files
in one directory, and the exporter in the main process adds up every file, including those
of children that have exited, so counters never go backwards.

- ``CONVEYOR_WORKER_METRICS_PORT`` (default 9808; 0 turns the exporter and the files off);
- ``CONVEYOR_WORKER_METRICS_ADDRESS`` (default ``0.0.0.0``);
- ``PROMETHEUS_MULTIPROC_DIR``: the directory (default: a new one in the temp directory,
  removed at exit). It is emptied when the worker starts.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from celery import signals
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

from conveyor.config.env import env_int, env_str
from conveyor.core.metrics import (
    ProcessTree,
    fresh_directory,
    multiprocess_dir,
    use_multiprocess_mode,
)
from conveyor.jobs.states import FINAL_STATES
from conveyor_worker.attempts import Lease

log = logging.getLogger(__name__)

DEFAULT_PORT = 9808
# demo.sleep of a second to the one-hour time limit.
RUN_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
# The outcome of an attempt whose result this worker could not record (its lease was lost).
LOST = "lost"


@dataclass(frozen=True)
class WorkerMetrics:
    started: Counter
    finished: Counter
    attempts: Counter
    run_seconds: Histogram


@cache
def worker_metrics() -> WorkerMetrics:
    """Created on first use: in a pool child, after the main process chose the mode."""
    return WorkerMetrics(
        started=Counter(
            "conveyor_jobs_started",
            "Attempts started (jobs claimed) by this worker, by job type and queue.",
            ["type", "queue"],
        ),
        finished=Counter(
            "conveyor_jobs_finished",
            "Jobs that reached a final state on this worker, by job type, queue and state.",
            ["type", "queue", "state"],
        ),
        attempts=Counter(
            "conveyor_job_attempts",
            "Attempts run by this worker, by job type, queue and outcome "
            "(succeeded, failed, cancelled, retrying, lost).",
            ["type", "queue", "outcome"],
        ),
        run_seconds=Histogram(
            "conveyor_job_run_seconds",
            "Run time of an attempt, from its claim to its recorded outcome.",
            ["type", "queue"],
            buckets=RUN_BUCKETS,
        ),
    )


@dataclass(frozen=True)
class _Attempt:
    type: str
    queue: str
    started: float


_current: ContextVar[_Attempt | None] = ContextVar("conveyor_attempt", default=None)


def job_started(lease: Lease) -> None:
    """A job was claimed for an attempt in this process (``execute.run_job``)."""
    attempt = _Attempt(type=lease.job.type, queue=lease.job.queue, started=time.monotonic())
    _current.set(attempt)
    worker_metrics().started.labels(type=attempt.type, queue=attempt.queue).inc()


def job_finished(state: str | None) -> None:
    """The attempt started last in this process ended in ``state`` (None: not recorded).

    A call without a started attempt (the message was dropped) records nothing.
    """
    attempt = _current.get()
    if attempt is None:
        return
    _current.set(None)
    _attempt_ended(attempt.type, attempt.queue, time.monotonic() - attempt.started, state)


def job_sent() -> Callable[[str | None], None]:
    """The attempt started last in this process sent its outcome without waiting for the
    answer (``pipelining``): its time ends now; call what this returns with the state
    the answer tells, to count its end (another attempt may have started meanwhile)."""
    attempt = _current.get()
    _current.set(None)
    if attempt is None:
        return lambda state: None
    seconds = time.monotonic() - attempt.started
    return lambda state: _attempt_ended(attempt.type, attempt.queue, seconds, state)


def job_killed(lease: Lease, state: str) -> None:
    """The main process ended an attempt whose pool process it killed (hard time limit).

    The killed process counted the start; the end is counted here, from the lease's
    start time, since the process that measured it is gone.
    """
    seconds = max(0.0, (timezone.now() - lease.started_at).total_seconds())
    _attempt_ended(lease.job.type, lease.job.queue, seconds, state)


def _attempt_ended(type: str, queue: str, seconds: float, state: str | None) -> None:
    metrics = worker_metrics()
    labels = {"type": type, "queue": queue}
    metrics.run_seconds.labels(**labels).observe(seconds)
    metrics.attempts.labels(**labels, outcome=state or LOST).inc()
    if state in FINAL_STATES:
        metrics.finished.labels(**labels, state=state).inc()


@cache
def _webhook_deliveries() -> Counter:
    return Counter(
        "conveyor_webhook_deliveries",
        "Webhook delivery attempts made by this worker, by outcome: delivered, retrying "
        "(to be tried again), failed (given up), refused (private destination not allowed).",
        ["outcome"],
    )


def webhook_delivery_attempted(outcome: str) -> None:
    """A webhook delivery attempt ended with ``outcome`` (``conveyor_worker/webhooks.py``)."""
    _webhook_deliveries().labels(outcome=outcome).inc()


@cache
def _rate_limited() -> Counter:
    return Counter(
        "conveyor_rate_limited",
        "Job starts a rate limit put off (the job went back to scheduled), by job type and queue.",
        ["type", "queue"],
    )


def job_rate_limited(*, type: str, queue: str) -> None:
    """A rate limit put off a job's start (``conveyor.ratelimits.admission``)."""
    _rate_limited().labels(type=type, queue=queue).inc()


@cache
def _client_capped() -> Counter:
    return Counter(
        "conveyor_client_capped",
        "Job starts put off because their client had its most jobs running (the job went "
        "back to scheduled), by queue.",
        ["queue"],
    )


def job_client_capped(*, queue: str) -> None:
    """A client's cap on its running jobs put off a job's start (``admission``)."""
    _client_capped().labels(queue=queue).inc()


@cache
def _handed_back() -> Counter:
    return Counter(
        "conveyor_jobs_handed_back",
        "Jobs this worker gave back unused for want of their job type's handler (a rolling "
        "deploy; they wait, scheduled, for a worker that has it), by job type and queue.",
        ["type", "queue"],
    )


def job_handed_back(*, type: str, queue: str) -> None:
    """A job went back unused: this worker has no handler for its type."""
    _handed_back().labels(type=type, queue=queue).inc()


@cache
def _retention_deleted() -> Counter:
    return Counter(
        "conveyor_retention_deleted",
        "Rows the retention task deleted: finished jobs past their retention, expired "
        "idempotency keys, rows of rate limits no longer in force.",
        ["kind"],
    )


def retention_deleted(*, jobs: int, idempotency_keys: int, rate_limit_rows: int) -> None:
    """What one retention pass deleted (``conveyor.jobs.retention``)."""
    _retention_deleted().labels(kind="jobs").inc(jobs)
    _retention_deleted().labels(kind="idempotency_keys").inc(idempotency_keys)
    _retention_deleted().labels(kind="rate_limit_rows").inc(rate_limit_rows)


# ---- the exporter (the worker's main process) -----------------------------------------


@dataclass
class _Exporter:
    port: int = 0
    directory: Path | None = None
    owned: bool = False
    server: Any = None


_exporter = _Exporter()


def _on_worker_init(**_: Any) -> None:
    """Before the pool forks: choose multiprocess mode and empty the directory."""
    _exporter.port = env_int("CONVEYOR_WORKER_METRICS_PORT", DEFAULT_PORT, minimum=0)
    if _exporter.port == 0:
        return
    directory, owned = multiprocess_dir("conveyor-worker-metrics")
    use_multiprocess_mode(fresh_directory(directory))
    _exporter.directory, _exporter.owned = directory, owned


def _on_worker_ready(**_: Any) -> None:
    port = _exporter.port
    if port == 0 or _exporter.directory is None:
        return
    address = env_str("CONVEYOR_WORKER_METRICS_ADDRESS", "0.0.0.0")  # noqa: S104 - scraped by pod IP
    registry = CollectorRegistry(auto_describe=False)
    MultiProcessCollector(registry, path=str(_exporter.directory))  # type: ignore[no-untyped-call]
    registry.register(ProcessTree(os.getpid()))  # this process and its pool's
    try:
        _exporter.server, _thread = start_http_server(port, addr=address, registry=registry)
    except OSError as exc:  # a port in use must not stop the worker from running jobs
        log.warning("worker metrics not served on %s:%d: %s", address, port, exc)
        return
    log.info("worker metrics on http://%s:%d/metrics", address, port)


def _on_worker_shutdown(**_: Any) -> None:
    if _exporter.server is not None:
        _exporter.server.shutdown()
        _exporter.server = None
    if _exporter.owned and _exporter.directory is not None:
        shutil.rmtree(_exporter.directory, ignore_errors=True)


def install() -> None:
    """Serve this worker's metrics (called once by ``conveyor_worker.app``)."""
    signals.worker_init.connect(_on_worker_init, weak=False)
    signals.worker_ready.connect(_on_worker_ready, weak=False)
    signals.worker_shutdown.connect(_on_worker_shutdown, weak=False)
