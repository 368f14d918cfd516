"""A worker's claim on a job under the job's rate limits (its job type's and its queue's).

If every limit has room, the start is recorded and the job claimed in one transaction: a
job that is no longer queued (a duplicate message) gives its slot back. If a limit has no
room, the job goes back to ``scheduled`` with ``run_at`` at the time a slot frees, without
using an attempt; the dispatcher queues it again then, with its priority. Nothing waits in
the worker and no message is held back, so a full limit never ties up a worker process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from conveyor.core import database
from conveyor.jobs.models import Job
from conveyor.jobs.states import JobState
from conveyor.ratelimits.limiter import Limit, acquire
from conveyor.ratelimits.limits import any_limits, limits_for
from conveyor_worker import attempts
from conveyor_worker.attempts import Lease


@dataclass(frozen=True)
class Deferred:
    """A job a rate limit refused to start: it waits, scheduled, until ``run_at``."""

    job_id: str
    type: str
    queue: str
    run_at: datetime
    refused_by: tuple[Limit, ...]


def claim_within_limits(
    job_id: UUID | str, *, worker: str, message_id: str | None
) -> Lease | Deferred | None:
    """Lease the job if its rate limits let it start now, else put it off.

    None if the job is not queued (finished, running elsewhere, gone).
    """
    if not any_limits():
        return attempts.claim(job_id, worker=worker, message_id=message_id)
    row = Job.objects.filter(pk=job_id).values_list("type", "queue", "state").first()
    if row is None or row[2] != JobState.QUEUED:
        return None
    type_name, queue, _state = row
    limits = limits_for(type_name=type_name, queue=queue)
    if not limits:
        return attempts.claim(job_id, worker=worker, message_id=message_id)
    now = timezone.now()
    with transaction.atomic(using=database.alias()):
        verdict = acquire(limits, now=now)
        if verdict.granted:
            # The attempt starts at the instant its slot was granted.
            claim = attempts.claim(job_id, worker=worker, message_id=message_id, now=now)
            if claim is None:
                transaction.set_rollback(
                    True, using=database.alias()
                )  # taken meanwhile: the slot is not used
            return claim
        assert verdict.retry_at is not None
        if not attempts.defer(job_id, run_at=verdict.retry_at, now=now):
            transaction.set_rollback(True, using=database.alias())
            return None
    return Deferred(
        job_id=str(job_id),
        type=type_name,
        queue=queue,
        run_at=verdict.retry_at,
        refused_by=verdict.refused_by,
    )
