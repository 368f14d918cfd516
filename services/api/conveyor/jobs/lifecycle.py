"""Every change of a job's state, as a compare-and-set on (state, lease).

Nothing else writes ``Job.state``. A transition names the states it may start from and
is applied by one conditional UPDATE; it reports whether it happened, so two workers, a
late duplicate message or a racing cancel can never both win.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from conveyor.jobs import longpoll, statements
from conveyor.jobs.models import Job, JobAttempt
from conveyor.jobs.publishing import Message, publish_on_commit
from conveyor.jobs.states import FINAL_STATES, LEASED_STATES, JobState, sources_of
from conveyor.webhooks import services as webhooks

S = JobState


def transition(
    job_id: UUID | str,
    *,
    sources: set[str] | frozenset[str],
    target: str,
    holding: UUID | None = None,
    now: datetime | None = None,
    **changes: Any,
) -> bool:
    """Move the job to ``target`` if it is in one of ``sources`` and, when ``holding`` is
    given, its lease is still that token. ``changes`` are the other columns to set."""
    allowed = sources_of(target, sources)
    rows = Job.objects.filter(pk=job_id, state__in=allowed)
    if holding is not None:
        rows = rows.filter(lease_token=holding)
    return rows.update(state=target, updated_at=now or timezone.now(), **changes) == 1


def on_final(job_id: UUID | str, *, webhook_url: str | None = None) -> None:
    """What follows a job reaching a final state, in the transaction that moved it there:
    long-polling requests are woken (at commit), and the job's webhook, if it has one, is
    stored for delivery and sent once committed. ``webhook_url`` is the job's when the
    caller knows it (it saves a query for jobs without one)."""
    longpoll.notify_final(job_id)
    webhooks.delivery_on_final(job_id=job_id, webhook_url=webhook_url)


def message_of(job: Job) -> Message:
    return Message(
        job_id=job.id, queue=job.queue, priority=job.priority, timeout_seconds=job.timeout_seconds
    )


# ---- the worker's side ---------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A worker's hold on one attempt of a job."""

    job: Job
    token: UUID
    worker: str
    started_at: datetime


def claim(
    job_id: UUID | str, *, worker: str, message_id: str | None, now: datetime | None = None
) -> Claim | None:
    """Take a queued job for a new attempt; None if it is not queued (done, running, gone).

    ``now`` is the attempt's start (given by a rate limit that admitted it at that time).
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    job = statements.claim_returning(
        job_id,
        states=sources_of(S.RUNNING, {S.QUEUED}),
        increment="attempts",
        changes={
            "state": S.RUNNING,
            "updated_at": now,
            "lease_token": token,
            "lease_owner": worker[:200],
            "lease_expires_at": now + settings.CONVEYOR_LEASE,
            "started_at": now,
            "message_id": _uuid_or_none(message_id),
            "progress_percent": None,
            "progress_message": "",
        },
    )
    if job is None:
        return None
    return Claim(job=job, token=token, worker=worker, started_at=now)


def defer(job_id: UUID | str, *, run_at: datetime, now: datetime | None = None) -> bool:
    """Put a queued job back to wait until ``run_at`` without using an attempt (a rate limit
    refused its start); the dispatcher queues it again then, with its priority."""
    return transition(job_id, sources={S.QUEUED}, target=S.SCHEDULED, now=now, run_at=run_at)


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


def record_progress(claim: Claim, percent: float, message: str) -> bool:
    return (
        Job.objects.filter(
            pk=claim.job.pk, lease_token=claim.token, state__in=LEASED_STATES
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


_CLEAR_LEASE: dict[str, Any] = {"lease_token": None, "lease_expires_at": None}


def _attempt_fields(
    claim: Claim, outcome: str, now: datetime, failure: Failure | None
) -> dict[str, Any]:
    """The attempt's record, but for its job."""
    return {
        "id": claim.token,
        "number": claim.job.attempts,
        "worker": claim.worker,
        "started_at": claim.started_at,
        "finished_at": now,
        "outcome": outcome,
        "error_type": _text(failure.type, 200) if failure else "",
        "error_message": _text(failure.message, 5000) if failure else "",
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
    claim: Claim,
    *,
    sources: set[str] | frozenset[str],
    target: str,
    outcome: str,
    failure: Failure | None = None,
    now: datetime | None = None,
    **changes: Any,
) -> bool:
    """Move the job on from an attempt it still holds, and record the attempt, atomically.

    The lease is released; a failure's type and message go on the job and the attempt.
    On PostgreSQL, for a job without a webhook, this is one statement (``statements``);
    otherwise a transaction of the same steps.
    """
    now = now or timezone.now()
    if failure is not None:
        changes.update(_error_fields(failure))
    attempt = _attempt_fields(claim, outcome, now, failure)
    final = target in FINAL_STATES
    if connection.vendor == "postgresql" and not (final and claim.job.webhook_url):
        return statements.end_attempt_statement(
            claim.job.pk,
            states=sources_of(target, sources),
            holding=claim.token,
            changes={"state": target, "updated_at": now, **changes, **_CLEAR_LEASE},
            attempt=attempt,
            notify_channel=longpoll.channel_of(claim.job.pk) if final else None,
        )
    with transaction.atomic():
        won = transition(
            claim.job.pk,
            sources=sources,
            target=target,
            holding=claim.token,
            now=now,
            **changes,
            **_CLEAR_LEASE,
        )
        if won:
            JobAttempt.objects.create(job_id=claim.job.pk, **attempt)
            if final:
                on_final(claim.job.pk, webhook_url=claim.job.webhook_url)
    return won


def record_success(claim: Claim, result: Any) -> bool:
    now = timezone.now()
    return end_attempt(
        claim,
        sources=LEASED_STATES,
        target=S.SUCCEEDED,
        outcome=JobAttempt.Outcome.SUCCEEDED,
        now=now,
        result=result,
        finished_at=now,
        progress_percent=100.0,
    )


def record_failure(claim: Claim, failure: Failure, *, timed_out: bool = False) -> bool:
    """The job fails for good (no attempts left, not retryable, or over its time limit)."""
    outcome = JobAttempt.Outcome.TIMED_OUT if timed_out else JobAttempt.Outcome.FAILED
    now = timezone.now()
    return end_attempt(
        claim,
        sources=LEASED_STATES,
        target=S.FAILED,
        outcome=outcome,
        failure=failure,
        now=now,
        finished_at=now,
    )


def record_retry(claim: Claim, failure: Failure, *, delay: timedelta) -> str | None:
    """Wait ``delay`` then run again; a job being cancelled is cancelled instead.

    The state the job ended in, or None if this attempt no longer held it.
    """
    now = timezone.now()
    if end_attempt(
        claim,
        sources={S.RUNNING},
        target=S.RETRYING,
        outcome=JobAttempt.Outcome.RETRYING,
        failure=failure,
        now=now,
        run_at=now + delay,
    ):
        return S.RETRYING
    if end_attempt(
        claim,
        sources={S.CANCELLING},
        target=S.CANCELLED,
        outcome=JobAttempt.Outcome.CANCELLED,
        failure=failure,
        now=now,
        finished_at=now,
    ):
        return S.CANCELLED
    return None


def record_cancelled(claim: Claim) -> bool:
    now = timezone.now()
    return end_attempt(
        claim,
        sources={S.CANCELLING},
        target=S.CANCELLED,
        outcome=JobAttempt.Outcome.CANCELLED,
        now=now,
        finished_at=now,
    )


def record_hard_timeout(job_id: UUID | str, message_id: str, failure: Failure) -> Claim | None:
    """The worker's main process killed the attempt at its hard time limit: the job fails.

    The claim of the attempt it ended, or None if the message's attempt no longer held
    the job (it ended, or another attempt took over).
    """
    job = Job.objects.filter(
        pk=job_id, message_id=_uuid_or_none(message_id), state__in=LEASED_STATES
    ).first()
    claim = stale_claim(job) if job is not None else None
    if claim is None or not record_failure(claim, failure, timed_out=True):
        return None
    return claim


def stale_claim(job: Job) -> Claim | None:
    """The claim a job's current attempt holds, rebuilt from its row (for a worker gone)."""
    if job.lease_token is None or job.started_at is None:
        return None
    return Claim(job=job, token=job.lease_token, worker=job.lease_owner, started_at=job.started_at)


def requeue_attempt(claim: Claim, outcome: str, *, now: datetime | None = None) -> bool:
    """End an attempt that was cut short and queue the job again, as a new attempt."""
    now = now or timezone.now()
    with transaction.atomic():
        won = end_attempt(
            claim,
            sources={S.RUNNING},
            target=S.QUEUED,
            outcome=outcome,
            now=now,
            queued_at=now,
            published_at=now,
        )
        if won:
            publish_on_commit([message_of(claim.job)])
    return won


def release_interrupted(job_id: UUID | str, message_id: str) -> bool:
    """A worker shutting down hands back the attempt it could not finish in time."""
    job = Job.objects.filter(
        pk=job_id, message_id=_uuid_or_none(message_id), state__in=LEASED_STATES
    ).first()
    claim = stale_claim(job) if job is not None else None
    if job is None or claim is None:
        return False
    if job.state == S.CANCELLING:
        return record_cancelled(claim)
    return requeue_attempt(claim, JobAttempt.Outcome.INTERRUPTED)


# ---- the dispatcher ------------------------------------------------------------------


def release_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue scheduled and retrying jobs whose ``run_at`` has come, and publish them."""
    now = now or timezone.now()
    waiting = sources_of(S.QUEUED, {S.SCHEDULED, S.RETRYING})
    with transaction.atomic():
        due = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(state__in=waiting, run_at__lte=now)
            .order_by("run_at")
            .only("id", "queue", "priority", "timeout_seconds")[:limit]
        )
        if not due:
            return 0
        released = Job.objects.filter(pk__in=[j.pk for j in due], state__in=waiting).update(
            state=S.QUEUED, queued_at=now, published_at=now, run_at=None, updated_at=now
        )
        publish_on_commit([message_of(j) for j in due])
    return released


def overdue_cancels(*, now: datetime | None = None, limit: int = 100) -> list[Job]:
    """Running jobs whose cancel has been ignored for longer than the grace period."""
    now = now or timezone.now()
    return list(
        Job.objects.filter(
            state=S.CANCELLING, cancel_requested_at__lte=now - settings.CONVEYOR_CANCEL_GRACE
        ).only("id", "message_id", "lease_token", "lease_owner", "started_at", "attempts")[:limit]
    )


def force_cancelled(job: Job) -> bool:
    """Finish a cancel whose worker was told to terminate the attempt."""
    claim = stale_claim(job)
    return record_cancelled(claim) if claim is not None else False


def _uuid_or_none(value: str | None) -> UUID | None:
    if not value:
        return None
    try:
        return UUID(str(value))
    except ValueError:
        return None
