"""Log lines as JSON (``LOG_FORMAT=json``), and the job fields of the lines a job's run logs.

``JobFieldsFilter`` (on the handler, config/settings/components/logging.py) gives every
record the fields of the job this thread runs, if any: the worker sets them around an
attempt (``job_fields``), so a handler's lines, the runner's and a library's all carry
``job_id``, ``job_type``, ``attempt`` and ``worker``. ``JsonFormatter`` writes one JSON
object per line with them, the exception as a field, and the trace and span ids when a
span is current (core/tracing.py).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

#: The record attributes ``JobFieldsFilter`` sets, in this order in a JSON line.
JOB_FIELDS = ("job_id", "job_type", "attempt", "worker")

_job: ContextVar[dict[str, Any] | None] = ContextVar("conveyor_log_job", default=None)


@contextmanager
def job_fields(*, job_id: str, job_type: str, attempt: int, worker: str) -> Iterator[None]:
    """Every line logged in this context carries these fields."""
    token = _job.set({"job_id": job_id, "job_type": job_type, "attempt": attempt, "worker": worker})
    try:
        yield
    finally:
        _job.reset(token)


class JobFieldsFilter(logging.Filter):
    """Adds the running job's fields to each record (none outside a job's run)."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = _job.get()
        if fields:
            for name, value in fields.items():
                setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the job's
    fields when a job runs, ``exception`` (its traceback) when there is one, and
    ``trace_id`` / ``span_id`` when a span is current."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in JOB_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        line.update(_trace_ids())
        return json.dumps(line, default=str, ensure_ascii=False)


def _trace_ids() -> dict[str, str]:
    # Only where tracing was set up: never imports OpenTelemetry for a log line.
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return {}
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}
