"""A worker's claim on a job under the job's rate limits (its job type's and its queue's)
and its client's cap on running jobs (``max_running_jobs``, else
``CONVEYOR_MAX_RUNNING_JOBS_PER_CLIENT``).

If every limit has room, the start is recorded and the job claimed in one transaction: a
job that is no longer queued (a duplicate message) gives its slot back. If a limit has no
room, the job goes back to ``scheduled`` with ``run_at`` at the time a slot frees, without
using an attempt; the dispatcher queues it again then, with its priority. Nothing waits in
the worker and no message is held back, so a full limit never ties up a worker process.

A client's cap counts its jobs running now (``running`` or ``cancelling``: holding a
lease) in the database, so it holds across every worker process. The count and the claim
are one transaction that first locks the client's row, so two workers never both take
the client's last place. A job over the cap waits the same way, ``scheduled``, for
``CONVEYOR_CLIENT_CAP_RETRY_SECONDS``, its attempts unchanged. A job of a worker that
died counts until the reconciler ends its attempt (its lease lapsed). A client without a
cap costs nothing more: its job is claimed by the one statement as before, whose
condition leaves a capped client's job to this path (``statements.uncapped``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from conveyor.clients.limits import running_cap
from conveyor.clients.models import ApiClient
from conveyor.core import database
from conveyor.jobs.models import Job
from conveyor.jobs.states import LEASED_STATES, JobState
from conveyor.ratelimits.limiter import Limit, acquire
from conveyor.ratelimits.limits import any_limits, limits_for
from conveyor_worker import attempts
from conveyor_worker.attempts import Lease

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deferred:
    """A job a rate limit or its client's cap refused to start: it waits, scheduled,
    until ``run_at``."""

    job_id: str
    type: str
    queue: str
    run_at: datetime
    #: The rate limits that refused it (none: its client's cap did).
    refused_by: tuple[Limit, ...]
    #: The client's cap on its running jobs, when that refused it.
    client_cap: int | None = None

    def reason(self) -> str:
        if self.client_cap is not None:
            return f"its client's cap of {self.client_cap} running jobs"
        return "rate limit " + ", ".join(str(limit) for limit in self.refused_by)


def claim_within_limits(
    job_id: UUID | str, *, worker: str, message_id: str | None
) -> Lease | Deferred | None:
    """Lease the job if its rate limits let it start now, else put it off.

    None if the job is not queued (finished, running elsewhere, gone).
    """
    if not any_limits():
        claim = attempts.claim(job_id, worker=worker, message_id=message_id, uncapped_only=True)
        if claim is not None:
            return claim
        # not queued, or its client is capped: the path below tells which
    row = (
        Job.objects.filter(pk=job_id)
        .values_list("type", "queue", "state", "client_id", "client__max_running_jobs")
        .first()
    )
    if row is None or row[2] != JobState.QUEUED:
        return None
    type_name, queue, _state, client_id, own_cap = row
    if attempts.leave_paused(job_id):
        log.info(
            "job %s: queue %s is paused; left queued, published again on resume", job_id, queue
        )
        return None
    limits = limits_for(type_name=type_name, queue=queue)
    cap = running_cap(own_cap)
    if not limits and cap <= 0:
        return attempts.claim(job_id, worker=worker, message_id=message_id)
    with transaction.atomic(using=database.alias()):
        full = cap > 0 and _running(client_id, cap) >= cap
        # after the count: an attempt of the client that ended for it ended before this
        now = timezone.now()
        if full:
            run_at = now + settings.CONVEYOR_CLIENT_CAP_RETRY
            if not attempts.defer(job_id, run_at=run_at, now=now):
                return None
            return Deferred(
                job_id=str(job_id),
                type=type_name,
                queue=queue,
                run_at=run_at,
                refused_by=(),
                client_cap=cap,
            )
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


def _running(client_id: int, cap: int) -> int:
    """The client's jobs running now, counted up to ``cap``, its row locked until the
    transaction ends: claims of one capped client take turns, so none overshoots."""
    list(ApiClient.objects.select_for_update().filter(pk=client_id).values_list("pk"))
    return (
        Job.objects.filter(client_id=client_id, state__in=LEASED_STATES).values("pk")[:cap].count()
    )
