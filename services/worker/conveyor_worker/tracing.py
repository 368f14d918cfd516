"""The worker's traces (``conveyor.core.tracing``): each pool process exports its own.

Prefork children set up their tracer provider when Celery starts them
(``worker_process_init``: the main process's export thread would not survive the fork);
another pool (solo, threads) runs jobs in the main process, which sets it up at
``worker_init``. Both instrument Celery and psycopg with the official instrumentations;
the run span of each attempt (``run_span``) is conveyor's own, in the job's trace.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import signals

from conveyor.core import tracing
from conveyor.core.tracing import RunSpan
from conveyor_worker.attempts import Lease

SERVICE = "conveyor-worker"
RUN_SPAN = "conveyor.job.run"


def _instrument() -> None:
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

    CeleryInstrumentor().instrument()  # type: ignore[no-untyped-call]
    PsycopgInstrumentor().instrument(skip_dep_check=True)


def _on_worker_process_init(**_: Any) -> None:
    tracing.install(service=SERVICE, instrument=_instrument)


def _on_worker_init(sender: Any = None, **_: Any) -> None:
    if "prefork" not in str(getattr(sender, "pool_cls", "prefork")):
        tracing.install(service=SERVICE, instrument=_instrument)


def _on_process_shutdown(**_: Any) -> None:
    tracing.shutdown()


def install() -> None:
    """Export this worker's traces when OTEL_* asks (called once by ``conveyor_worker.app``)."""
    if not tracing.enabled():
        tracing.warn_if_unavailable()
        return
    signals.worker_process_init.connect(_on_worker_process_init, weak=False)
    signals.worker_init.connect(_on_worker_init, weak=False)
    signals.worker_process_shutdown.connect(_on_process_shutdown, weak=False)
    signals.worker_shutdown.connect(_on_process_shutdown, weak=False)


@contextmanager
def run_span(lease: Lease, *, worker: str, claimed_ns: int | None) -> Iterator[RunSpan]:
    """The span of one attempt, from its claim (``claimed_ns``, ``time.time_ns()``) to its
    recorded outcome, in the trace of the job's submission."""
    job = lease.job
    with tracing.span_from_job(
        RUN_SPAN,
        job.trace_context,
        start_time_ns=claimed_ns,
        attributes={
            tracing.JOB_ID: str(job.pk),
            tracing.JOB_TYPE: job.type,
            tracing.JOB_QUEUE: job.queue,
            tracing.JOB_ATTEMPT: job.attempts,
            tracing.JOB_WORKER: worker,
        },
    ) as span:
        yield span
