"""A job as clients see it: one plain rendering for the API's responses and webhook bodies.

Plain Python (no DRF), so a worker that ends a job with a webhook renders its body
without loading the HTTP stack, and both show a job in exactly the same shape. The API's
output serializers (``jobs/serializers.py``) describe this shape for the OpenAPI schema
and delegate to it.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone

from conveyor.jobs.models import Job

#: The fields of a job, in the order they are shown.
JOB_FIELDS: tuple[str, ...] = (
    "id",
    "type",
    "queue",
    "priority",
    "state",
    "params",
    "labels",
    "attempts",
    "max_attempts",
    "timeout_seconds",
    "webhook_url",
    "progress",
    "result",
    "error",
    "run_at",
    "created_at",
    "queued_at",
    "started_at",
    "finished_at",
    "cancel_requested_at",
    "updated_at",
)


def instant(value: datetime | None, zone: tzinfo | None = None) -> str | None:
    """An instant as the API writes it: ISO 8601 in UTC, ``Z`` for the offset.

    ``zone`` is the current time zone, looked up once by a caller writing many instants
    (the lookup goes through a context-local: more than the rest of the call)."""
    if value is None:
        return None
    text = timezone.localtime(value, zone or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def job_representation(job: Job) -> dict[str, Any]:
    """The job's fields, as ``GET /v1/jobs/{id}`` shows them (JSON-ready values)."""
    zone = timezone.get_current_timezone()
    return {
        "id": str(job.id),
        "type": job.type,
        "queue": job.queue,
        "priority": job.priority,
        "state": job.state,
        "params": job.params,
        "labels": job.labels,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "timeout_seconds": job.timeout_seconds,
        "webhook_url": job.webhook_url,
        "progress": {"percent": job.progress_percent, "message": job.progress_message},
        "result": job.result,
        "error": (
            {"type": job.error_type, "message": job.error_message} if job.error_type else None
        ),
        "run_at": instant(job.run_at, zone),
        "created_at": instant(job.created_at, zone),
        "queued_at": instant(job.queued_at, zone),
        "started_at": instant(job.started_at, zone),
        "finished_at": instant(job.finished_at, zone),
        "cancel_requested_at": instant(job.cancel_requested_at, zone),
        "updated_at": instant(job.updated_at, zone),
    }
