"""The reconciler: puts right what a broker or a worker lost, so no accepted job is lost.

It runs periodically (``conveyor.reconcile`` on the system queue) and is safe on several
replicas at once: rows are taken with SKIP LOCKED and every change is a compare-and-set.

- A queued job whose message is missing is published again. A message is missing when
  the broker holds fewer messages for a queue than the database has queued jobs on it
  (and than the fewest messages they can be in, bundles counted: ``_fewest_messages``),
  and the job's last publish is older than ``CONVEYOR_REPUBLISH_AFTER_SECONDS`` (the
  broker was down at submission, or lost its data in a restart).
- A running job whose lease lapsed (its worker died) runs again as a new attempt, or
  fails when its attempts are spent; a cancelling one is cancelled. Of the lapsed jobs of
  one bundle's message, only the first (``attempts.bundle_order``) was running: the others
  never started and are given back as they were (``attempts.return_unstarted``), so they
  run once.
- A blocked job (a workflow's) whose dependencies have all ended is released, cancelled
  or failed, and a workflow whose jobs have all ended is finished
  (``conveyor.workflows.release.repair``). The release in each dependency's outcome
  leaves nothing for this; it is there in case one ever does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from conveyor.core import database
from conveyor.jobs.lifecycle import message_of
from conveyor.jobs.models import Job, JobAttempt
from conveyor.jobs.publishing import publish_on_commit
from conveyor.jobs.states import LEASED_STATES, JobState
from conveyor.queues.models import PausedQueue
from conveyor.workflows import release
from conveyor_worker import attempts, statements
from conveyor_worker.attempts import Failure

log = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    republished: int = 0
    rerun: int = 0
    failed: int = 0
    cancelled: int = 0
    settled: int = 0

    def any(self) -> bool:
        return bool(self.republished or self.rerun or self.failed or self.cancelled or self.settled)


def republish_missing(
    *, depth_of: Callable[[str], int | None], now: datetime | None = None, limit: int = 1000
) -> int:
    """Publish again the queued jobs whose messages the broker no longer holds."""
    now = now or timezone.now()
    cutoff = now - settings.CONVEYOR_REPUBLISH_AFTER
    stale_filter = Q(published_at__lt=cutoff) | Q(published_at__isnull=True)
    per_queue = (
        Job.objects.filter(state=JobState.QUEUED)
        # a paused queue's messages wait unconsumed, or were handed back: its resume
        # publishes those again (conveyor/queues/pausing.py)
        .exclude(queue__in=PausedQueue.objects.values("name"))
        .values("queue")
        .annotate(total=Count("id"), stale=Count("id", filter=stale_filter))
        .filter(stale__gt=0)
    )
    republished = 0
    fewest = _fewest_messages() if per_queue else {}
    for row in per_queue:
        depth = depth_of(row["queue"])
        if depth is None:
            continue  # the broker cannot be asked now; try again next round
        if depth >= fewest.get(row["queue"], row["total"]):
            continue  # the broker may hold every job: bundles carry several per message
        missing = min(row["total"] - depth, row["stale"], limit - republished)
        if missing <= 0:
            continue
        with transaction.atomic(using=database.alias()):
            jobs = list(
                Job.objects.select_for_update(skip_locked=True)
                .filter(stale_filter, queue=row["queue"], state=JobState.QUEUED)
                .order_by("published_at")
                .only("id", "queue", "priority", "timeout_seconds")[:missing]
            )
            Job.objects.filter(pk__in=[j.pk for j in jobs], state=JobState.QUEUED).update(
                published_at=now, updated_at=now
            )
            publish_on_commit([message_of(j) for j in jobs])
        republished += len(jobs)
        log.warning(
            "reconciler: queue %s holds %d message(s) for %d queued job(s); published %d again",
            row["queue"],
            depth,
            row["total"],
            len(jobs),
        )
    return republished


def _fewest_messages() -> dict[str, int]:
    """Per queue, the fewest messages its queued jobs can be in: jobs published together
    (one ``published_at``, a batch's) travel at most ``CONVEYOR_BUNDLE_MAX_JOBS`` to a
    message; a job never published counts as one. A broker holding fewer has lost some;
    one holding as many may hold them all, so nothing is sent again (comparing with the
    number of jobs would re-send bundled jobs that wait their turn)."""
    cap = int(settings.CONVEYOR_BUNDLE_MAX_JOBS)
    table = statements.job_table()
    queue, state, published = (
        statements.job_column(name) for name in ("queue", "state", "published_at")
    )
    sql = (
        "SELECT q, SUM(CASE WHEN p IS NULL THEN n ELSE (n + %s - 1) / %s END) FROM "  # noqa: S608
        f"(SELECT {queue} AS q, {published} AS p, COUNT(*) AS n FROM {table} "
        f"WHERE {state} = %s GROUP BY {queue}, {published}) AS together GROUP BY q"
    )
    with database.connection().cursor() as cursor:
        cursor.execute(sql, [cap, cap, JobState.QUEUED])
        return {str(q): int(n) for q, n in cursor.fetchall()}


def recover_lapsed(*, now: datetime | None = None, limit: int = 500) -> ReconcileReport:
    """Jobs whose worker stopped renewing its lease: run again, fail, or finish a cancel."""
    now = now or timezone.now()
    report = ReconcileReport()
    with transaction.atomic(using=database.alias()):
        lapsed = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(state__in=LEASED_STATES, lease_expires_at__lt=now)
            .order_by("lease_expires_at")[:limit]
        )
        lapsed += _rest_of_bundles(lapsed, now=now)
        running, unstarted = _split_bundles(lapsed)
        unstarted_leases = [lease for job in unstarted if (lease := attempts.stale_lease(job))]
        report.rerun += attempts.return_unstarted(unstarted_leases, now=now)
        for job in running:
            lease = attempts.stale_lease(job)
            if lease is None:
                continue
            if job.state == JobState.CANCELLING:
                report.cancelled += attempts.record_cancelled(lease)
            elif job.attempts < job.max_attempts:
                report.rerun += attempts.requeue_attempt(lease, JobAttempt.Outcome.LOST, now=now)
            else:
                failure = Failure(
                    type="WorkerLost",
                    message=f"the worker running attempt {job.attempts} ({job.lease_owner}) "
                    "stopped renewing its lease, and no attempts are left",
                )
                report.failed += attempts.record_failure(lease, failure)
    if lapsed:
        log.warning(
            "reconciler: %d job(s) had a lapsed lease: %d run again, %d failed, %d cancelled",
            len(lapsed),
            report.rerun,
            report.failed,
            report.cancelled,
        )
    return report


def _rest_of_bundles(lapsed: list[Job], *, now: datetime) -> list[Job]:
    """The other jobs of the lapsed jobs' messages whose leases are about to lapse too.

    A bundle's leases are renewed one after another, so they lapse a moment apart; taken
    apart, the first of a later round would be one that never started. A lease some
    worker still renews (a redelivered bundle's, with the same message id) is at least
    two thirds of ``CONVEYOR_LEASE`` away from lapsing, so it is not taken."""
    messages = {job.message_id for job in lapsed if job.message_id is not None}
    if not messages:
        return []
    soon = now + settings.CONVEYOR_LEASE / 3
    return list(
        Job.objects.select_for_update(skip_locked=True)
        .filter(state__in=LEASED_STATES, message_id__in=messages, lease_expires_at__lt=soon)
        .exclude(pk__in=[job.pk for job in lapsed])
    )


def _split_bundles(lapsed: list[Job]) -> tuple[list[Job], list[Job]]:
    """The lapsed jobs that were running, and those that had not started: of the jobs one
    message holds, the first in ``bundle_order`` ran, the rest waited behind it."""
    by_message: dict[object, list[Job]] = {}
    running: list[Job] = []
    for job in lapsed:
        if job.message_id is None:
            running.append(job)
        else:
            by_message.setdefault(job.message_id, []).append(job)
    unstarted: list[Job] = []
    for jobs in by_message.values():
        first, *rest = sorted(jobs, key=attempts.bundle_order)
        running.append(first)
        unstarted.extend(rest)
    return running, unstarted


def reconcile(*, depth_of: Callable[[str], int | None]) -> ReconcileReport:
    report = recover_lapsed()
    report.republished = republish_missing(depth_of=depth_of)
    report.settled = release.repair()
    return report
