"""Tracing costs nothing when off: a submission imports nothing of OpenTelemetry and stores
no trace context; on, it stores the W3C context of the span it runs in."""

from __future__ import annotations

import os
import textwrap

from tests.procs import fresh_python_report

SCRIPT = textwrap.dedent("""
    import json, sys
    import django
    django.setup()
    from django.utils import timezone
    from conveyor.clients.models import ApiClient
    from conveyor.jobs.services import prepare_job

    def submit():
        return prepare_job(client=ApiClient(name="t"), type="demo.noop", params={},
                           now=timezone.now())

    span_trace_id = None
    from django.conf import settings
    if settings.CONVEYOR_TRACING:
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        trace.set_tracer_provider(TracerProvider())
        with trace.get_tracer("test").start_as_current_span("request") as span:
            job = submit()
            span_trace_id = format(span.get_span_context().trace_id, "032x")
    else:
        job = submit()
    print(json.dumps({
        "imported": sorted(m for m in sys.modules if m.split(".")[0] == "opentelemetry"),
        "trace_context": job.trace_context,
        "span_trace_id": span_trace_id,
    }))
""")


def environment(**otel: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    return {**env, **otel}


def test_off_a_submission_imports_nothing_of_opentelemetry() -> None:
    report = fresh_python_report(SCRIPT, environment())

    assert report["imported"] == []
    assert report["trace_context"] == {}


def test_on_a_submission_stores_the_trace_context_of_its_span() -> None:
    # an endpoint nothing listens on: nothing is exported in this test
    report = fresh_python_report(
        SCRIPT, environment(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9")
    )

    traceparent = report["trace_context"]["traceparent"]
    assert traceparent.split("-")[1] == report["span_trace_id"]


def test_otel_sdk_disabled_wins() -> None:
    report = fresh_python_report(
        SCRIPT,
        environment(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9", OTEL_SDK_DISABLED="true"),
    )

    assert report["imported"] == []
    assert report["trace_context"] == {}


NOT_INSTALLED = textwrap.dedent("""
    import json, logging, sys

    class NoOpenTelemetry:  # as if the otel extra were not installed
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "opentelemetry":
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoOpenTelemetry())
    import django
    django.setup()
    from django.conf import settings
    from conveyor.core import tracing
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("conveyor.core.tracing").addHandler(handler)
    installed = tracing.install(service="test", instrument=lambda: None)
    print(json.dumps({
        "wanted": settings.CONVEYOR_TRACING_WANTED,
        "on": settings.CONVEYOR_TRACING,
        "installed": installed,
        "warnings": [r.getMessage() for r in records],
    }))
""")


def test_asked_for_without_the_extra_it_stays_off_and_says_what_to_install() -> None:
    report = fresh_python_report(
        NOT_INSTALLED, environment(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9")
    )

    assert report["wanted"] is True
    assert report["on"] is False
    assert report["installed"] is False
    (warning,) = report["warnings"]
    assert "pip install 'conveyor[otel]'" in warning
