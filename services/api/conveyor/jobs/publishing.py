"""Publishing a job's message: the job id, on the job's queue, after the transaction commits."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db import transaction
from kombu import Connection

from conveyor.config.celery import EXECUTE_JOB_TASK, app

log = logging.getLogger(__name__)

# A publish that cannot reach the broker gives up quickly: the job is already stored and
# is published again later, so the request must not hang on a broker outage.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}


@dataclass(frozen=True)
class Message:
    """What a publish needs to know about a job; taken from the row at transition time."""

    job_id: UUID
    queue: str
    priority: int
    timeout_seconds: int


def publish(message: Message, *, connection: Connection | None = None) -> bool:
    """Send the job's message now. False (and logged) if the broker refused or is down.

    ``connection`` overrides the configured broker (the app's connection pool is used
    otherwise).
    """
    hard_limit = message.timeout_seconds + math.ceil(
        settings.CONVEYOR_HARD_LIMIT_GRACE.total_seconds()
    )
    try:
        app.send_task(
            EXECUTE_JOB_TASK,
            args=[str(message.job_id)],
            queue=message.queue,
            priority=message.priority,
            soft_time_limit=message.timeout_seconds,
            time_limit=hard_limit,
            retry=True,
            retry_policy=PUBLISH_RETRY_POLICY,
            connection=connection,
        )
    except Exception:
        log.warning("could not publish job %s; it stays queued", message.job_id, exc_info=True)
        return False
    return True


def publish_on_commit(messages: list[Message]) -> None:
    """Publish once the surrounding transaction commits (at once outside one)."""
    if not messages:
        return

    def send() -> None:
        for message in messages:
            publish(message)

    transaction.on_commit(send)
