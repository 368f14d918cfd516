"""The dispatcher's work on jobs: release the due ones, finish ignored cancels.

Run every ``CONVEYOR_DISPATCH_INTERVAL_SECONDS`` by the periodic task ``conveyor.dispatch``
(``conveyor_worker/periodic.py``).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from conveyor.core import database
from conveyor.jobs.lifecycle import message_of
from conveyor.jobs.models import Job
from conveyor.jobs.publishing import publish_on_commit
from conveyor.jobs.states import JobState, sources_of
from conveyor_worker.attempts import record_cancelled, stale_lease


def release_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue scheduled and retrying jobs whose ``run_at`` has come, and publish them."""
    now = now or timezone.now()
    waiting = sources_of(JobState.QUEUED, {JobState.SCHEDULED, JobState.RETRYING})
    with transaction.atomic(using=database.alias()):
        due = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(state__in=waiting, run_at__lte=now)
            .order_by("run_at")
            .only("id", "queue", "priority", "timeout_seconds")[:limit]
        )
        if not due:
            return 0
        released = Job.objects.filter(pk__in=[j.pk for j in due], state__in=waiting).update(
            state=JobState.QUEUED, queued_at=now, published_at=now, run_at=None, updated_at=now
        )
        publish_on_commit([message_of(j) for j in due])
    return released


def overdue_cancels(*, now: datetime | None = None, limit: int = 100) -> list[Job]:
    """Running jobs whose cancel has been ignored for longer than the grace period."""
    now = now or timezone.now()
    return list(
        Job.objects.filter(
            state=JobState.CANCELLING, cancel_requested_at__lte=now - settings.CONVEYOR_CANCEL_GRACE
        ).only("id", "message_id", "lease_token", "lease_owner", "started_at", "attempts")[:limit]
    )


def force_cancelled(job: Job) -> bool:
    """Finish a cancel whose worker was told to terminate the attempt."""
    lease = stale_lease(job)
    return record_cancelled(lease) if lease is not None else False
