"""A job's webhook, from the event to the last attempt. Database side only: the POST
itself is made by the worker (``conveyor_worker/webhooks.py``).

1. ``delivery_on_final``: in the transaction that makes a job final, a pending delivery is
   stored with its body, and its message is published once that commits.
2. ``claim_delivery``: the worker takes the delivery for one attempt (compare-and-set on
   its token, so a duplicate or stale message does nothing).
3. ``record_attempt``: the attempt and its outcome are stored; a retry waits in the
   database (``next_attempt_at``) until the dispatcher releases it.
4. ``release_due_deliveries`` (the dispatcher, every second): publishes deliveries whose
   time has come: retries, and any whose message never arrived (the broker was down at
   commit) or whose worker vanished mid-attempt. So no delivery is lost.
"""

from __future__ import annotations

import enum
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from conveyor.config.celery import app
from conveyor.config.tasks import DELIVER_WEBHOOK_TASK
from conveyor.jobs.models import Job
from conveyor.jobs.publishing import PUBLISH_RETRY_POLICY, breaker
from conveyor.jobs.states import JobState
from conveyor.jobs.types import RetryPolicy
from conveyor.webhooks.models import WebhookAttempt, WebhookDelivery

log = logging.getLogger(__name__)

D = WebhookDelivery.State
EVENTS: dict[str, str] = {
    JobState.SUCCEEDED: "job.succeeded",
    JobState.FAILED: "job.failed",
    JobState.CANCELLED: "job.cancelled",
}


# ---- the event -----------------------------------------------------------------------


def render_body(job: Job, event: str) -> str:
    """The JSON a delivery sends: the job as ``GET /v1/jobs`` shows it, plus ``event``."""
    # Imported here: the job serializers import the job services, which import this.
    from conveyor.jobs.serializers import JobOutput

    return json.dumps(
        {"event": event, **JobOutput(job).data}, cls=DjangoJSONEncoder, separators=(",", ":")
    )


def delivery_on_final(
    *, job_id: UUID | str, webhook_url: str | None = None, now: datetime | None = None
) -> WebhookDelivery | None:
    """Store the delivery of a job's final state, if the job has a ``webhook_url``, and
    publish it when the surrounding transaction commits.

    ``webhook_url`` is the job's, when the caller has it (a job's URL never changes):
    ``""`` costs no query.
    """
    if webhook_url == "":
        return None
    job = Job.objects.filter(pk=job_id).exclude(webhook_url="").first()
    if job is None or job.state not in EVENTS:
        return None
    now = now or timezone.now()
    event = EVENTS[job.state]
    delivery = WebhookDelivery.objects.create(
        job=job,
        event=event,
        url=job.webhook_url,
        body=render_body(job, event),
        state=D.PENDING,
        token=uuid.uuid4(),
        # If the message below never arrives, the dispatcher sends it again from then on.
        next_attempt_at=now + settings.CONVEYOR_REPUBLISH_AFTER,
        created_at=now,
    )
    publish_on_commit([(delivery.pk, delivery.token)])  # type: ignore[list-item]
    return delivery


# ---- messages ------------------------------------------------------------------------


def publish(delivery_id: UUID, token: UUID) -> bool:
    """Send the delivery's message to the system queue now; False if the broker is down
    (the dispatcher sends it again once ``next_attempt_at`` has passed)."""
    if breaker.is_open():
        return False
    try:
        app.send_task(
            DELIVER_WEBHOOK_TASK,
            args=[str(delivery_id), str(token)],
            queue=settings.CONVEYOR_SYSTEM_QUEUE,
            time_limit=int(attempt_lease().total_seconds()),
            retry=True,
            retry_policy=PUBLISH_RETRY_POLICY,
        )
    except Exception as exc:
        breaker.trip()
        log.warning(
            "could not publish webhook delivery %s (%s: %s); the dispatcher will send it",
            delivery_id,
            type(exc).__name__,
            exc,
        )
        return False
    return True


def publish_on_commit(messages: list[tuple[UUID, UUID]]) -> None:
    if not messages:
        return

    def send() -> None:
        for delivery_id, token in messages:
            if not publish(delivery_id, token):
                return

    transaction.on_commit(send)


def release_due_deliveries(*, now: datetime | None = None, limit: int = 200) -> int:
    """Publish pending deliveries whose ``next_attempt_at`` has come (the dispatcher)."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(state=D.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        if not due:
            return 0
        # One fresh token for this release: only these messages may run these deliveries.
        token = uuid.uuid4()
        WebhookDelivery.objects.filter(pk__in=due).update(
            token=token, next_attempt_at=now + settings.CONVEYOR_REPUBLISH_AFTER
        )
        publish_on_commit([(pk, token) for pk in due])
    return len(due)


# ---- one attempt ---------------------------------------------------------------------


def attempt_lease() -> timedelta:
    """How long an attempt may take before the dispatcher sends its delivery again:
    connect, write and read timeouts, plus room for the worker's own work."""
    return settings.CONVEYOR_WEBHOOK_TIMEOUT * 3 + timedelta(seconds=30)


@dataclass(frozen=True)
class Claim:
    """A worker's hold on one attempt of a delivery."""

    delivery: WebhookDelivery
    token: UUID
    secret: str
    number: int


def claim_delivery(
    *, delivery_id: UUID | str, token: UUID | str, now: datetime | None = None
) -> Claim | None:
    """Take a pending delivery for an attempt, if ``token`` is still its current one."""
    now = now or timezone.now()
    attempt_token = uuid.uuid4()
    won = WebhookDelivery.objects.filter(pk=delivery_id, state=D.PENDING, token=token).update(
        token=attempt_token,
        attempts=F("attempts") + 1,
        next_attempt_at=now + attempt_lease(),
    )
    if not won:
        return None
    delivery = WebhookDelivery.objects.select_related("job__client").get(pk=delivery_id)
    return Claim(
        delivery=delivery,
        token=attempt_token,
        secret=delivery.job.client.webhook_secret,
        number=delivery.attempts,
    )


class Verdict(enum.StrEnum):
    """What an attempt's answer means for its delivery."""

    DELIVERED = "delivered"  # a 2xx
    RETRY = "retry"  # a 5xx, 408, 429, a timeout, a connection error
    GIVE_UP = "give_up"  # any other answer: the receiver will not take it
    REFUSED = "refused"  # the destination is private and not allowed


@dataclass(frozen=True)
class AttemptResult:
    verdict: Verdict
    started_at: datetime
    duration: timedelta
    status_code: int | None = None
    error: str = ""


class Outcome(enum.StrEnum):
    """Where a delivery stands after an attempt (the ``outcome`` of the worker's metric)."""

    DELIVERED = "delivered"
    RETRYING = "retrying"
    FAILED = "failed"
    REFUSED = "refused"


def retry_policy() -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.CONVEYOR_WEBHOOK_MAX_ATTEMPTS,
        backoff=settings.CONVEYOR_WEBHOOK_BACKOFF,
        backoff_max=settings.CONVEYOR_WEBHOOK_BACKOFF_MAX,
    )


def outcome_of(verdict: Verdict, number: int) -> Outcome:
    if verdict == Verdict.DELIVERED:
        return Outcome.DELIVERED
    if verdict == Verdict.REFUSED:
        return Outcome.REFUSED
    if verdict == Verdict.RETRY and number < settings.CONVEYOR_WEBHOOK_MAX_ATTEMPTS:
        return Outcome.RETRYING
    return Outcome.FAILED


def record_attempt(claim: Claim, result: AttemptResult, *, now: datetime | None = None) -> Outcome:
    """Store the attempt, and move its delivery on: delivered, retried later, or given up."""
    now = now or timezone.now()
    outcome = outcome_of(result.verdict, claim.number)
    if outcome == Outcome.RETRYING:
        changes = {
            "state": D.PENDING,
            "next_attempt_at": now + retry_policy().delay(claim.number),
            "token": None,
        }
    else:
        changes = {
            "state": D.DELIVERED if outcome == Outcome.DELIVERED else D.FAILED,
            "next_attempt_at": None,
            "token": None,
            "finished_at": now,
        }
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery_id=claim.delivery.pk,
            number=claim.number,
            started_at=result.started_at,
            duration_seconds=result.duration.total_seconds(),
            status_code=result.status_code,
            error=result.error[:2000].replace("\x00", "\ufffd"),
            delivered=result.verdict == Verdict.DELIVERED,
        )
        # Only while this attempt still holds the delivery (its lease did not lapse).
        WebhookDelivery.objects.filter(
            pk=claim.delivery.pk, state=D.PENDING, token=claim.token
        ).update(**changes)
    return outcome
