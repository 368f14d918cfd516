"""Retention: finished jobs older than ``CONVEYOR_JOB_RETENTION_DAYS`` are deleted, failed
ones older than ``CONVEYOR_FAILED_JOB_RETENTION_DAYS`` (by default the same age).

The periodic task ``conveyor.retention`` (``conveyor_worker/periodic.py``) runs ``run``
(``delete_finished`` and ``idempotency.delete_expired``), then the rate limiter's
``forget_abandoned`` (the rows of limits taken out of the settings). Rows go in batches of
``CONVEYOR_RETENTION_BATCH_SIZE``, each batch its own short transaction, so a backlog of
millions never holds a long lock or one huge transaction; a batch's attempts,
idempotency keys and webhook deliveries go with it (``on_delete=CASCADE``). Several
replicas may run it at once: a row deleted by one is simply not found by the other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from conveyor.core.batches import delete_in_batches
from conveyor.jobs import idempotency
from conveyor.jobs.models import Job
from conveyor.jobs.states import FINAL_STATES, JobState

log = logging.getLogger(__name__)

#: Failed jobs have an age of their own, ``CONVEYOR_FAILED_JOB_RETENTION_DAYS``: people
#: look into failures longer than at successes.
FAILED_ONLY: frozenset[str] = frozenset({JobState.FAILED})
KEPT_NORMALLY: frozenset[str] = FINAL_STATES - FAILED_ONLY


@dataclass(frozen=True)
class RetentionReport:
    jobs: int
    idempotency_keys: int


def delete_finished(
    *,
    older_than: timedelta,
    now: datetime,
    batch_size: int,
    states: frozenset[str] = FINAL_STATES,
) -> int:
    """Delete jobs in one of ``states`` (final ones) that finished before
    ``now - older_than``, but a workflow's."""
    # Sorted states, as in the partial index ``job_finished`` the select uses.
    # A workflow's jobs go with their workflow (conveyor/workflows/retention.py).
    finished = Job.objects.filter(
        state__in=sorted(states), finished_at__lt=now - older_than, workflow_id__isnull=True
    )
    return delete_in_batches(finished, batch_size=batch_size, order_by="finished_at")


def run(*, now: datetime | None = None) -> RetentionReport:
    """One retention pass with the configured age and batch size."""
    now = now or timezone.now()
    batch_size = settings.CONVEYOR_RETENTION_BATCH_SIZE
    jobs = 0
    retention: timedelta | None = settings.CONVEYOR_JOB_RETENTION
    if retention is not None:
        jobs = delete_finished(
            older_than=retention, now=now, batch_size=batch_size, states=KEPT_NORMALLY
        )
    failed_retention: timedelta | None = settings.CONVEYOR_FAILED_JOB_RETENTION
    if failed_retention is not None:
        jobs += delete_finished(
            older_than=failed_retention, now=now, batch_size=batch_size, states=FAILED_ONLY
        )
    keys = idempotency.delete_expired(now=now, batch_size=batch_size)
    if jobs or keys:
        log.info("retention: deleted %d finished job(s), %d expired idempotency key(s)", jobs, keys)
    return RetentionReport(jobs=jobs, idempotency_keys=keys)
