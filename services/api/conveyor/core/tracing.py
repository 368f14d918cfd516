"""Traces over OpenTelemetry: one trace from ``POST /v1/jobs`` to the job's outcome.

On only when ``settings.CONVEYOR_TRACING`` (components/tracing.py): the ``otel`` extra is
installed and OTEL_* configures an exporter. Off, every function here returns at once and
nothing of OpenTelemetry is imported.

The official instrumentations do the rest: ASGI (each request a server span,
``config/asgi.py``), Celery (each task) and psycopg (each query).

Each process sets up its own tracer provider (``install``): an API process when gunicorn's
worker loads the app (``config/asgi.py``), a worker's pool process when Celery starts it
(``conveyor_worker/tracing.py``). The SDK reads the standard variables itself
(``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_SERVICE_NAME``, ``OTEL_TRACES_SAMPLER``,
``OTEL_BSP_*``…).

A job's trace crosses processes through its row, not its message: the reconciler may
publish a message again long after the request, with no trace around it. So the
submission stores the W3C trace context of the request's span on the job
(``Job.trace_context``: ``traceparent`` and ``tracestate``, ``context_of_current_span``),
and the worker starts its run span as a child of it (``span_from_job``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)

#: The tracer's name: conveyor's own spans (the instrumentations have theirs).
TRACER = "conveyor"
#: Span attributes conveyor sets (the job's id, type, attempt, queue, worker, outcome).
JOB_ID = "conveyor.job.id"
JOB_TYPE = "conveyor.job.type"
JOB_QUEUE = "conveyor.job.queue"
JOB_ATTEMPT = "conveyor.job.attempt"
JOB_WORKER = "conveyor.worker"
JOB_OUTCOME = "conveyor.job.outcome"
#: The trace context's keys on the row (W3C Trace Context's header names).
TRACE_CONTEXT_KEYS = ("traceparent", "tracestate")

_installed_in: int | None = None


def enabled() -> bool:
    return bool(settings.CONVEYOR_TRACING)


def install(*, service: str, instrument: Callable[[], None]) -> bool:
    """Set up this process's tracer provider and exporter, then ``instrument()`` (the
    official instrumentations this process uses). Once per process (a forked child sets
    up its own: the parent's export thread did not survive the fork). False when off."""
    global _installed_in
    warn_if_unavailable()
    if not enabled() or _installed_in == os.getpid():
        return False
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) wins over the default.
    named = os.environ.get("OTEL_SERVICE_NAME") or "service.name=" in os.environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )
    provider = TracerProvider(resource=Resource.create({} if named else {"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(_exporter()))
    trace.set_tracer_provider(provider)
    instrument()
    _installed_in = os.getpid()
    return True


def warn_if_unavailable() -> None:
    """Say so when OTEL_* asks for traces that cannot be exported (the extra is missing)."""
    if settings.CONVEYOR_TRACING_WANTED and not settings.CONVEYOR_TRACING:
        log.warning(
            "OTEL_* asks for traces but OpenTelemetry is not installed: no traces are "
            "exported. Install the extra (pip install 'conveyor[otel]') or unset "
            "OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_TRACES_EXPORTER."
        )


def _exporter() -> Any:
    exporter = settings.CONVEYOR_TRACES_EXPORTER or "otlp"
    if exporter == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if exporter != "otlp":
        log.warning(
            "OTEL_TRACES_EXPORTER=%s is not one conveyor sets up (otlp, console, none); "
            "exporting over OTLP/HTTP",
            exporter,
        )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def shutdown() -> None:
    """Export what is still buffered (a process about to exit)."""
    if not enabled() or _installed_in != os.getpid():
        return
    from opentelemetry import trace

    provider = trace.get_tracer_provider()
    if hasattr(provider, "shutdown"):
        provider.shutdown()


def context_of_current_span(attributes: Mapping[str, str] | None = None) -> dict[str, str]:
    """The W3C trace context of the current span, to store on a job ({} when off or
    outside a span); ``attributes`` are set on that span (the job's id, say)."""
    if not enabled():
        return {}
    from opentelemetry import trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    span = trace.get_current_span()
    if not span.get_span_context().is_valid:
        return {}
    span.set_attributes(dict(attributes or {}))
    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return {key: carrier[key] for key in TRACE_CONTEXT_KEYS if key in carrier}


def name_request_span(*, method: str, route: str) -> None:
    """Name the current request's server span after its route template
    (``POST v1/jobs``), which the ASGI instrumentation cannot know."""
    if not enabled():
        return
    from opentelemetry import trace

    span = trace.get_current_span()
    if span.is_recording():
        span.update_name(f"{method} {route}")
        span.set_attribute("http.route", route)


class RunSpan:
    """The span of one attempt, as ``span_from_job`` hands it out (a no-op when off)."""

    def __init__(self, span: Any = None) -> None:
        self._span = span

    def outcome(self, state: str | None) -> None:
        """The state the attempt ended the job in (None: not recorded, its lease lost)."""
        if self._span is not None:
            self._span.set_attribute(JOB_OUTCOME, state or "lost")


@contextmanager
def span_from_job(
    name: str,
    trace_context: Mapping[str, str] | None,
    *,
    start_time_ns: int | None = None,
    attributes: Mapping[str, str | int],
) -> Iterator[RunSpan]:
    """A span in the job's trace: the child of the span its row names (the submission's),
    linked to the span current here (the Celery instrumentation's, whose trace is the
    message's). A job without a stored context starts a trace of its own."""
    if not enabled():
        yield RunSpan()
        return
    from opentelemetry import trace
    from opentelemetry.trace import Link
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    parent = TraceContextTextMapPropagator().extract(dict(trace_context or {}))
    here = trace.get_current_span().get_span_context()
    links = [Link(here)] if here.is_valid else []
    tracer = trace.get_tracer(TRACER)
    with tracer.start_as_current_span(
        name,
        context=parent,
        kind=trace.SpanKind.CONSUMER,
        links=links,
        start_time=start_time_ns,
        attributes=dict(attributes),
    ) as span:
        yield RunSpan(span)
