"""Reading a job's webhook deliveries."""

from __future__ import annotations

from conveyor.jobs.models import Job
from conveyor.webhooks.models import WebhookDelivery


def job_deliveries(*, job: Job) -> list[WebhookDelivery]:
    """The job's deliveries, oldest first, with their attempts: two queries (none without
    a ``webhook_url``)."""
    if not job.webhook_url:
        return []
    return list(
        WebhookDelivery.objects.filter(job=job)
        .order_by("created_at")
        .prefetch_related("attempt_records")
    )
