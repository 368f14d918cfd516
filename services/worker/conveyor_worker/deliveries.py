"""One webhook delivery attempt, database side: claim it, record it; and the dispatcher's
release of deliveries whose time has come.

1. ``claim_delivery``: the worker takes the delivery for one attempt (compare-and-set on
   its token, so a duplicate or stale message does nothing).
2. ``record_attempt``: the attempt and its outcome are stored; a retry waits in the
   database (``next_attempt_at``) until the dispatcher releases it.
3. ``release_due_deliveries`` (the dispatcher, every second): publishes deliveries whose
   time has come: retries, and any whose message never arrived (the broker was down at
   commit) or whose worker vanished mid-attempt.

The POST itself is ``conveyor_worker/webhooks.py``.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from conveyor.core import database
from conveyor.jobs.publishing import publish_on_commit
from conveyor.jobs.types import RetryPolicy
from conveyor.webhooks.models import WebhookAttempt, WebhookDelivery
from conveyor.webhooks.services import DeliveryMessage, attempt_lease

State = WebhookDelivery.State


def release_due_deliveries(*, now: datetime | None = None, limit: int = 200) -> int:
    """Publish pending deliveries whose ``next_attempt_at`` has come (the dispatcher)."""
    now = now or timezone.now()
    with transaction.atomic(using=database.alias()):
        due = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(state=State.PENDING, next_attempt_at__lte=now)
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
        publish_on_commit([DeliveryMessage(pk, token) for pk in due])
    return len(due)


@dataclass(frozen=True)
class DeliveryLease:
    """A worker's hold on one attempt of a delivery."""

    delivery: WebhookDelivery
    token: UUID
    # The client's signing secrets at claim time: the current one, and the previous one
    # while its rotation overlap lasts.
    secrets: tuple[str, ...]
    number: int


def claim_delivery(
    *, delivery_id: UUID | str, token: UUID | str, now: datetime | None = None
) -> DeliveryLease | None:
    """Take a pending delivery for an attempt, if ``token`` is still its current one."""
    now = now or timezone.now()
    attempt_token = uuid.uuid4()
    won = WebhookDelivery.objects.filter(pk=delivery_id, state=State.PENDING, token=token).update(
        token=attempt_token,
        attempts=F("attempts") + 1,
        next_attempt_at=now + attempt_lease(),
    )
    if not won:
        return None
    delivery = WebhookDelivery.objects.select_related("job__client").get(pk=delivery_id)
    return DeliveryLease(
        delivery=delivery,
        token=attempt_token,
        secrets=delivery.job.client.webhook_signing_secrets(now),
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


class DeliveryOutcome(enum.StrEnum):
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


def outcome_of(verdict: Verdict, number: int) -> DeliveryOutcome:
    if verdict == Verdict.DELIVERED:
        return DeliveryOutcome.DELIVERED
    if verdict == Verdict.REFUSED:
        return DeliveryOutcome.REFUSED
    if verdict == Verdict.RETRY and number < settings.CONVEYOR_WEBHOOK_MAX_ATTEMPTS:
        return DeliveryOutcome.RETRYING
    return DeliveryOutcome.FAILED


def record_attempt(
    lease: DeliveryLease, result: AttemptResult, *, now: datetime | None = None
) -> DeliveryOutcome:
    """Store the attempt, and move its delivery on: delivered, retried later, or given up."""
    now = now or timezone.now()
    outcome = outcome_of(result.verdict, lease.number)
    if outcome == DeliveryOutcome.RETRYING:
        changes = {
            "state": State.PENDING,
            "next_attempt_at": now + retry_policy().delay(lease.number),
            "token": None,
        }
    else:
        changes = {
            "state": State.DELIVERED if outcome == DeliveryOutcome.DELIVERED else State.FAILED,
            "next_attempt_at": None,
            "token": None,
            "finished_at": now,
        }
    with transaction.atomic(using=database.alias()):
        WebhookAttempt.objects.create(
            delivery_id=lease.delivery.pk,
            number=lease.number,
            started_at=result.started_at,
            duration_seconds=result.duration.total_seconds(),
            status_code=result.status_code,
            error=result.error[:2000].replace("\x00", "\ufffd"),
            delivered=result.verdict == Verdict.DELIVERED,
        )
        # Only while this attempt still holds the delivery (its lease did not lapse).
        WebhookDelivery.objects.filter(
            pk=lease.delivery.pk, state=State.PENDING, token=lease.token
        ).update(**changes)
    return outcome
