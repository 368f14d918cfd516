"""Traces: on when OpenTelemetry's standard variables configure an exporter and the
``otel`` extra is installed (docs/observability.md). Off, nothing of OpenTelemetry is
imported and a submission costs what it did without it.

The OTEL_* variables themselves (endpoint, headers, service name, sampler, batch sizes)
are read by the OpenTelemetry SDK, as it documents; here only whether tracing is wanted.
"""

from __future__ import annotations

import importlib.util
import os

from conveyor.config.env import env_bool, env_str

# OTEL_SDK_DISABLED=true turns every signal off, whatever else is set (the SDK's rule).
_disabled = env_bool("OTEL_SDK_DISABLED", False)
# OTEL_TRACES_EXPORTER: otlp (the SDK's default) or console; none turns traces off.
CONVEYOR_TRACES_EXPORTER = env_str("OTEL_TRACES_EXPORTER", "").strip().lower()
# Wanted: an exporter named, or an OTLP endpoint given (the exporter then defaults to otlp).
CONVEYOR_TRACING_WANTED = (
    not _disabled
    and CONVEYOR_TRACES_EXPORTER != "none"
    and bool(
        CONVEYOR_TRACES_EXPORTER
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )
)


def _sdk_installed() -> bool:
    """Whether ``pip install 'conveyor[otel]'`` was run, without importing the SDK."""
    try:
        return importlib.util.find_spec("opentelemetry.sdk") is not None
    except ModuleNotFoundError:  # not even the opentelemetry package
        return False


# On: wanted, and the SDK is installed.
CONVEYOR_TRACING = CONVEYOR_TRACING_WANTED and _sdk_installed()
