"""A job's webhook: the event, stored in the transaction that ends the job, and its message.

1. ``delivery_on_final`` (the ``WebhookOnFinal`` hook): in the transaction that makes a job
   final, a pending delivery is stored with its body, and its message is published once
   that commits.
2. The worker runs each attempt (``conveyor_worker/deliveries.py``: claim it, record it;
   ``conveyor_worker/webhooks.py``: the signed POST), and its dispatcher sends again the
   deliveries whose time has come (``release_due_deliveries``), so no delivery is lost.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from kombu import Producer

from conveyor.config.tasks import DELIVER_WEBHOOK_TASK
from conveyor.jobs.models import Job
from conveyor.jobs.publishing import publish_on_commit, send_task
from conveyor.jobs.representation import job_representation
from conveyor.jobs.states import JobState
from conveyor.jobs.task_messages import Shape
from conveyor.webhooks.models import WebhookDelivery

log = logging.getLogger(__name__)

State = WebhookDelivery.State
EVENTS: dict[str, str] = {
    JobState.SUCCEEDED: "job.succeeded",
    JobState.FAILED: "job.failed",
    JobState.CANCELLED: "job.cancelled",
}


# ---- the event -----------------------------------------------------------------------


def render_body(job: Job, event: str) -> str:
    """The JSON a delivery sends: the job as ``GET /v1/jobs`` shows it, plus ``event``."""
    return json.dumps(
        {"event": event, **job_representation(job)},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    )


def delivery_on_final(*, job_id: UUID | str, now: datetime | None = None) -> WebhookDelivery | None:
    """Store the delivery of a job's final state, if the job has a ``webhook_url``, and
    publish it when the surrounding transaction commits (``hooks.WebhookOnFinal``)."""
    job = Job.objects.filter(pk=job_id).exclude(webhook_url="").first()
    if job is None or job.state not in EVENTS:
        return None
    now = now or timezone.now()
    event = EVENTS[job.state]
    token = uuid.uuid4()
    delivery = WebhookDelivery.objects.create(
        job=job,
        event=event,
        url=job.webhook_url,
        body=render_body(job, event),
        state=State.PENDING,
        token=token,
        # If the message below never arrives, the dispatcher sends it again from then on.
        next_attempt_at=now + settings.CONVEYOR_REPUBLISH_AFTER,
        created_at=now,
    )
    publish_on_commit([DeliveryMessage(delivery.pk, token)])
    return delivery


# ---- messages ------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryMessage:
    """A delivery's message: its id and the token that lets one attempt run it."""

    delivery_id: UUID
    token: UUID

    def send(self, *, producer: Producer | None = None) -> bool:
        """Send it to the system queue now; False if the broker is down (the dispatcher
        sends it again once ``next_attempt_at`` has passed)."""
        shape = Shape(
            DELIVER_WEBHOOK_TASK,
            queue=settings.CONVEYOR_SYSTEM_QUEUE,
            time_limit=int(attempt_lease().total_seconds()),
        )
        return send_task(
            shape,
            [str(self.delivery_id), str(self.token)],
            what=f"webhook delivery {self.delivery_id}",
            producer=producer,
        )


# ---- one attempt ---------------------------------------------------------------------


def attempt_lease() -> timedelta:
    """How long an attempt may take before the dispatcher sends its delivery again:
    connect, write and read timeouts, plus room for the worker's own work."""
    return settings.CONVEYOR_WEBHOOK_TIMEOUT * 3 + timedelta(seconds=30)
