"""One attempt of a job on a worker: its lease, its progress, its outcome.

A worker claims a queued job with a new lease (``claim``), renews the lease while the
handler runs, and ends the attempt with one compare-and-set on (state, lease) that also
records the attempt (``end_attempt``). A worker shutting down or gone hands the attempt
back (``release_interrupted``, ``requeue_attempt``): the job is queued again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from conveyor.core import database
from conveyor.core.inflight import Line
from conveyor.jobs import longpoll
from conveyor.jobs.hooks import any_hook_wants, on_final
from conveyor.jobs.lifecycle import message_of, transition
from conveyor.jobs.models import Job, JobAttempt
from conveyor.jobs.publishing import bundles_of, publish_on_commit
from conveyor.jobs.states import FINAL_STATES, LEASED_STATES, JobState, sources_of
from conveyor.queues.models import PausedQueue
from conveyor_worker import statements


@dataclass(frozen=True)
class Lease:
    """A worker's hold on one attempt of a job: the job as claimed, and the lease token
    every write of the attempt is conditional on."""

    job: Job
    token: UUID
    worker: str
    started_at: datetime


def claim(
    job_id: UUID | str,
    *,
    worker: str,
    message_id: str | None,
    now: datetime | None = None,
    uncapped_only: bool = False,
) -> Lease | None:
    """Take a queued job for a new attempt; None if it is not queued (done, running, gone),
    or, ``uncapped_only``, if its client has a cap on its running jobs.

    ``now`` is the attempt's start (given by a rate limit that admitted it at that time).
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    job = statements.claim_returning(
        job_id,
        states=sources_of(JobState.RUNNING, {JobState.QUEUED}),
        increment="attempts",
        changes={
            "state": JobState.RUNNING,
            "updated_at": now,
            "lease_token": token,
            "lease_owner": worker[:200],
            "lease_expires_at": now + settings.CONVEYOR_LEASE,
            "started_at": now,
            "message_id": _uuid_or_none(message_id),
            "progress_percent": None,
            "progress_message": "",
        },
        uncapped_only=uncapped_only,
    )
    if job is None:
        return None
    return Lease(job=job, token=token, worker=worker, started_at=now)


def claim_bundle(
    job_ids: Sequence[UUID | str],
    *,
    worker: str,
    message_id: str | None,
    skip_types: Sequence[str] = (),
    skip_queues: Sequence[str] = (),
) -> list[Lease]:
    """Take the queued ones of a bundle's jobs, each for a new attempt with its own lease,
    in one statement (PostgreSQL only); in the order they are to
    run (``bundle_order``). Jobs of ``skip_types`` / on ``skip_queues``, and those of a
    client with a cap on its running jobs, are left queued (for ``admission``).

    Every lease is as long as a single job's: the keeper renews the unstarted ones with
    the running one (``bundles.py``)."""
    now = timezone.now()
    jobs = statements.claim_many(
        job_ids,
        states=sources_of(JobState.RUNNING, {JobState.QUEUED}),
        changes={
            "state": JobState.RUNNING,
            "updated_at": now,
            "lease_owner": worker[:200],
            "lease_expires_at": now + settings.CONVEYOR_LEASE,
            "started_at": now,
            "message_id": _uuid_or_none(message_id),
            "progress_percent": None,
            "progress_message": "",
        },
        skip_types=skip_types,
        skip_queues=skip_queues,
        uncapped_only=True,
    )
    return [
        Lease(job=job, token=job.lease_token, worker=worker, started_at=now)
        for job in jobs
        if job.lease_token is not None
    ]


def bundle_order(job: Job) -> tuple[datetime, str]:
    """The order a bundle's jobs run in: of the jobs one message still holds, the first
    is the one running, the others have not started."""
    return (job.created_at, str(job.pk))


def return_unstarted(leases: Sequence[Lease], *, now: datetime | None = None) -> int:
    """Give back claimed jobs that never started (a bundle's rest, when its worker stops,
    overruns ``CONVEYOR_BUNDLE_HOLD`` or died): each is queued again as it was before the
    claim, its attempt count unchanged and no attempt recorded, and published again, in
    bundles. A job being cancelled meanwhile is cancelled. How many were given back."""
    now = now or timezone.now()
    requeued: list[Job] = []
    with transaction.atomic(using=database.alias()):
        for lease in leases:
            if transition(
                lease.job.pk,
                sources={JobState.RUNNING},
                target=JobState.QUEUED,
                holding=lease.token,
                now=now,
                attempts=F("attempts") - 1,
                started_at=None,
                message_id=None,
                queued_at=now,
                published_at=now,
                **_CLEAR_LEASE,
            ):
                requeued.append(lease.job)
            else:
                record_cancelled(lease)  # it was being cancelled meanwhile
        publish_on_commit(bundles_of([message_of(job) for job in requeued]))
    return len(requeued)


def bundle_leases(message_id: str) -> list[Lease]:
    """The leases the jobs of a bundle's message still hold, in ``bundle_order``: the first
    is the job that was running, the others never started."""
    jobs = Job.objects.filter(message_id=_uuid_or_none(message_id), state__in=LEASED_STATES)
    leases = [stale_lease(job) for job in sorted(jobs, key=bundle_order)]
    return [lease for lease in leases if lease is not None]


def hand_back(lease: Lease, *, run_at: datetime, now: datetime | None = None) -> bool:
    """Give an attempt back unused: the job waits ``scheduled`` until ``run_at``, its
    attempt count as before the claim and no attempt recorded, for a worker that can run
    it (a worker without its job type's handler, during a rolling deploy)."""
    return transition(
        lease.job.pk,
        sources={JobState.RUNNING},
        target=JobState.SCHEDULED,
        holding=lease.token,
        now=now,
        run_at=run_at,
        attempts=F("attempts") - 1,
        started_at=None,
        message_id=None,
        **_CLEAR_LEASE,
    )


def leave_paused(job_id: UUID | str) -> bool:
    """A queued job of a paused queue, whose message reached this worker before the pause
    did: leave it queued, its message dropped and its ``published_at`` cleared, so the
    resume publishes it again (``conveyor/queues/pausing.py``). Whether it was so."""
    return (
        Job.objects.filter(
            pk=job_id,
            state=JobState.QUEUED,
            queue__in=PausedQueue.objects.values("name"),
        ).update(published_at=None)
        == 1
    )


def defer(job_id: UUID | str, *, run_at: datetime, now: datetime | None = None) -> bool:
    """Put a queued job back to wait until ``run_at`` without using an attempt (a rate limit
    refused its start); the dispatcher queues it again then, with its priority."""
    return transition(
        job_id, sources={JobState.QUEUED}, target=JobState.SCHEDULED, now=now, run_at=run_at
    )


def renew_lease(job_id: UUID, token: UUID) -> str | None:
    """Extend the lease; the job's state if this attempt still holds it, else None."""
    now = timezone.now()
    held = Job.objects.filter(pk=job_id, lease_token=token, state__in=LEASED_STATES).update(
        lease_expires_at=now + settings.CONVEYOR_LEASE
    )
    if not held:
        return None
    return Job.objects.filter(pk=job_id).values_list("state", flat=True).first()


def leased_state(job_id: UUID, token: UUID) -> str | None:
    """The job's state while this attempt holds its lease, else None."""
    return Job.objects.filter(pk=job_id, lease_token=token).values_list("state", flat=True).first()


def record_progress(lease: Lease, percent: float, message: str) -> bool:
    return (
        Job.objects.filter(
            pk=lease.job.pk, lease_token=lease.token, state__in=LEASED_STATES
        ).update(
            progress_percent=percent,
            progress_message=_text(message, 500),
            updated_at=timezone.now(),
        )
        == 1
    )


@dataclass(frozen=True)
class Failure:
    type: str
    message: str
    traceback: str = ""
    #: The exception's class as a module path, when an exception caused the failure.
    path: str = ""


_CLEAR_LEASE: dict[str, Any] = {"lease_token": None, "lease_expires_at": None}


def _attempt_fields(
    lease: Lease, outcome: str, now: datetime, failure: Failure | None
) -> dict[str, Any]:
    """The attempt's record, but for its job."""
    return {
        "id": lease.token,
        "number": lease.job.attempts,
        "worker": lease.worker,
        "started_at": lease.started_at,
        "finished_at": now,
        "outcome": outcome,
        "error_type": _text(failure.type, 200) if failure else "",
        "error_message": _text(failure.message, 5000) if failure else "",
        "error_path": _text(failure.path, 300) if failure else "",
        "error_traceback": _text(failure.traceback, 50000) if failure else "",
    }


def _text(value: str, limit: int) -> str:
    """Text as the database can store it: bounded, without NUL characters."""
    return value[:limit].replace("\x00", "\ufffd")


def _error_fields(failure: Failure) -> dict[str, Any]:
    return {
        "error_type": _text(failure.type, 200),
        "error_message": _text(failure.message, 5000),
        "error_traceback": _text(failure.traceback, 50000),
    }


def end_attempt(
    lease: Lease,
    *,
    sources: set[str] | frozenset[str],
    target: str,
    outcome: str,
    failure: Failure | None = None,
    now: datetime | None = None,
    then: Callable[[], None] | None = None,
    **changes: Any,
) -> bool:
    """Move the job on from an attempt it still holds, and record the attempt, atomically.

    The lease is released; a failure's type and message go on the job and the attempt.
    ``then`` runs in the same transaction when the attempt held the job, before the final
    hooks (a handler's spawns, ``conveyor/workflows/spawning.py``).
    On PostgreSQL, for a job no final hook wants (no webhook) and nothing to do ``then``,
    this is one statement (``statements``); otherwise a transaction of the same steps.
    """
    now = now or timezone.now()
    final = target in FINAL_STATES
    single = then is None and not (final and any_hook_wants(lease.job))
    if database.connection().vendor == "postgresql" and single:
        return _statement(lease, sources, target, outcome, failure, now, changes).run()
    changes = _ending(lease, failure, changes)
    with transaction.atomic(using=database.alias()):
        won = transition(
            lease.job.pk,
            sources=sources,
            target=target,
            holding=lease.token,
            now=now,
            **changes,
            **_CLEAR_LEASE,
        )
        if won:
            JobAttempt.objects.create(
                job_id=lease.job.pk, **_attempt_fields(lease, outcome, now, failure)
            )
            if then is not None:
                then()
            if final:
                on_final(lease.job)
    return won


def _ending(lease: Lease, failure: Failure | None, changes: dict[str, Any]) -> dict[str, Any]:
    """The job's changes as an attempt ends, with its start and its failure."""
    # a bundle's job starts after its claim: the row says when it did
    changes.setdefault("started_at", lease.started_at)
    if failure is not None:
        changes.update(_error_fields(failure))
    return changes


def _statement(
    lease: Lease,
    sources: set[str] | frozenset[str],
    target: str,
    outcome: str,
    failure: Failure | None,
    now: datetime,
    changes: dict[str, Any],
) -> statements.EndAttempt:
    """``end_attempt`` as one statement."""
    return statements.EndAttempt(
        lease.job.pk,
        states=sources_of(target, sources),
        holding=lease.token,
        changes={
            "state": target,
            "updated_at": now,
            **_ending(lease, failure, changes),
            **_CLEAR_LEASE,
        },
        attempt=_attempt_fields(lease, outcome, now, failure),
        notify_channel=longpoll.CHANNEL if target in FINAL_STATES else None,
    )


def _success(now: datetime, result: Any) -> dict[str, Any]:
    return {"result": result, "finished_at": now, "progress_percent": 100.0}


def record_success(lease: Lease, result: Any, *, then: Callable[[], None] | None = None) -> bool:
    """The job succeeded; ``then`` runs in the transaction that records it."""
    now = timezone.now()
    return end_attempt(
        lease,
        sources=LEASED_STATES,
        target=JobState.SUCCEEDED,
        outcome=JobAttempt.Outcome.SUCCEEDED,
        now=now,
        then=then,
        **_success(now, result),
    )


def send_success(lease: Lease, result: Any, line: Line) -> bool:
    """``record_success`` with nothing to do ``then``, sent on ``line`` without waiting
    for the answer (``line.answer()``: 1 if the attempt still held the job, 0 if not).
    False, with nothing sent, if it takes more than one statement (a webhook wants the
    job, or not PostgreSQL): record it with ``record_success`` instead."""
    if database.connection().vendor != "postgresql" or any_hook_wants(lease.job):
        return False
    now = timezone.now()
    ending = _statement(
        lease,
        LEASED_STATES,
        JobState.SUCCEEDED,
        JobAttempt.Outcome.SUCCEEDED,
        None,
        now,
        _success(now, result),
    )
    ending.send(line)
    return True


def record_failure(lease: Lease, failure: Failure, *, timed_out: bool = False) -> bool:
    """The job fails for good (no attempts left, not retryable, or over its time limit)."""
    outcome = JobAttempt.Outcome.TIMED_OUT if timed_out else JobAttempt.Outcome.FAILED
    now = timezone.now()
    return end_attempt(
        lease,
        sources=LEASED_STATES,
        target=JobState.FAILED,
        outcome=outcome,
        failure=failure,
        now=now,
        finished_at=now,
    )


def record_retry(lease: Lease, failure: Failure, *, delay: timedelta) -> str | None:
    """Wait ``delay`` then run again; a job being cancelled is cancelled instead.

    The state the job ended in, or None if this attempt no longer held it.
    """
    now = timezone.now()
    if end_attempt(
        lease,
        sources={JobState.RUNNING},
        target=JobState.RETRYING,
        outcome=JobAttempt.Outcome.RETRYING,
        failure=failure,
        now=now,
        run_at=now + delay,
    ):
        return JobState.RETRYING
    if end_attempt(
        lease,
        sources={JobState.CANCELLING},
        target=JobState.CANCELLED,
        outcome=JobAttempt.Outcome.CANCELLED,
        failure=failure,
        now=now,
        finished_at=now,
    ):
        return JobState.CANCELLED
    return None


def record_cancelled(lease: Lease) -> bool:
    now = timezone.now()
    return end_attempt(
        lease,
        sources={JobState.CANCELLING},
        target=JobState.CANCELLED,
        outcome=JobAttempt.Outcome.CANCELLED,
        now=now,
        finished_at=now,
    )


def record_hard_timeout(job_id: UUID | str, message_id: str, failure: Failure) -> Lease | None:
    """The worker's main process killed the attempt at its hard time limit: the job fails.

    The lease of the attempt it ended, or None if the message's attempt no longer held
    the job (it ended, or another attempt took over).
    """
    lease = message_lease(job_id, message_id)
    if lease is None or not record_failure(lease, failure, timed_out=True):
        return None
    return lease


def message_lease(job_id: UUID | str, message_id: str) -> Lease | None:
    """The lease of the attempt that message ``message_id`` started, while it still holds
    the job; rebuilt from the row (the process that claimed it is gone or killed it)."""
    job = Job.objects.filter(
        pk=job_id, message_id=_uuid_or_none(message_id), state__in=LEASED_STATES
    ).first()
    return stale_lease(job) if job is not None else None


def stale_lease(job: Job) -> Lease | None:
    """The lease a job's current attempt holds, rebuilt from its row (for a worker gone)."""
    if job.lease_token is None or job.started_at is None:
        return None
    return Lease(job=job, token=job.lease_token, worker=job.lease_owner, started_at=job.started_at)


def requeue_attempt(lease: Lease, outcome: str, *, now: datetime | None = None) -> bool:
    """End an attempt that was cut short and queue the job again, as a new attempt."""
    now = now or timezone.now()
    with transaction.atomic(using=database.alias()):
        won = end_attempt(
            lease,
            sources={JobState.RUNNING},
            target=JobState.QUEUED,
            outcome=outcome,
            now=now,
            queued_at=now,
            published_at=now,
        )
        if won:
            publish_on_commit([message_of(lease.job)])
    return won


def release_interrupted(job_id: UUID | str, message_id: str) -> bool:
    """A worker shutting down hands back the attempt it could not finish in time."""
    lease = message_lease(job_id, message_id)
    if lease is None:
        return False
    if lease.job.state == JobState.CANCELLING:
        return record_cancelled(lease)
    return requeue_attempt(lease, JobAttempt.Outcome.INTERRUPTED)


def _uuid_or_none(value: str | None) -> UUID | None:
    if not value:
        return None
    try:
        return UUID(str(value))
    except ValueError:
        return None
