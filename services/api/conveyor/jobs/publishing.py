"""Publishing a job's message: the job id, on the job's queue, after the transaction commits.

A publish is best effort: the job row is already stored (state ``queued``, with
``published_at``), so a message that never reaches the broker is sent again by the
reconciler (``jobs/reconcile.py``). While the broker is down, a circuit breaker skips
publishing for a few seconds, so submissions answer fast instead of each waiting on it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field
from uuid import UUID

from django.conf import settings
from django.db import transaction
from kombu import Connection, Producer

from conveyor.config.celery import app
from conveyor.config.tasks import EXECUTE_JOB_TASK

log = logging.getLogger(__name__)

# A publish that cannot reach the broker gives up quickly: the request must not hang.
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}


@dataclass(frozen=True)
class Message:
    """What a publish needs to know about a job; taken from the row at transition time."""

    job_id: UUID
    queue: str
    priority: int
    timeout_seconds: int


REDIS_SCHEMES = frozenset({"redis", "rediss", "sentinel"})
MAX_PRIORITY = 9


def broker_priority(priority: int, *, redis: bool) -> int:
    """A job's priority (0-9, 9 highest) as the broker orders messages: RabbitMQ takes
    higher numbers first, kombu's Redis transport lower ones."""
    clamped = min(max(priority, 0), MAX_PRIORITY)
    return MAX_PRIORITY - clamped if redis else clamped


def _is_redis(connection: Connection | None) -> bool:
    if connection is not None:
        return str(connection.transport.driver_type) == "redis"
    scheme = str(settings.CELERY_BROKER_URL).split("://", 1)[0].split("+", 1)[0]
    return scheme in REDIS_SCHEMES


@dataclass
class CircuitBreaker:
    """Open for ``CONVEYOR_PUBLISH_BACKOFF_SECONDS`` after a failed publish (per process)."""

    open_until: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self) -> None:
        with self.lock:
            self.open_until = time.monotonic() + settings.CONVEYOR_PUBLISH_BACKOFF.total_seconds()

    def reset(self) -> None:
        self.open_until = 0.0


breaker = CircuitBreaker()


def publish(
    message: Message, *, connection: Connection | None = None, producer: Producer | None = None
) -> bool:
    """Send the job's message now. False (and logged) if the broker refused or is down.

    ``connection`` overrides the configured broker (the app's connection pool is used
    otherwise, behind the circuit breaker); ``producer`` is one taken from that pool for
    several messages (``publish_all``).
    """
    if connection is None and breaker.is_open():
        log.debug("broker marked down; job %s left for the reconciler", message.job_id)
        return False
    hard_limit = message.timeout_seconds + math.ceil(
        settings.CONVEYOR_HARD_LIMIT_GRACE.total_seconds()
    )
    try:
        app.send_task(
            EXECUTE_JOB_TASK,
            args=[str(message.job_id)],
            queue=message.queue,
            priority=broker_priority(message.priority, redis=_is_redis(connection)),
            soft_time_limit=message.timeout_seconds,
            time_limit=hard_limit,
            retry=True,
            retry_policy=PUBLISH_RETRY_POLICY,
            connection=connection,
            producer=producer,
        )
    except Exception as exc:
        if connection is None:
            breaker.trip()
        log.warning(
            "could not publish job %s (%s: %s); the reconciler will send it again",
            message.job_id,
            type(exc).__name__,
            exc,
        )
        return False
    return True


def publish_on_commit(messages: list[Message]) -> None:
    """Publish once the surrounding transaction commits (at once outside one)."""
    if messages:
        transaction.on_commit(lambda: publish_all(messages))


def publish_all(messages: list[Message]) -> None:
    """Send the messages in order through one producer from the pool: a batch takes a
    pooled connection once, not once per message (that was ~40% of a publish's cost).
    Stops at the first failure: the broker is down, the rest wait for the reconciler."""
    if not messages:
        return
    if len(messages) == 1 or breaker.is_open():
        publish(messages[0])  # one message, or the broker is marked down: logged once
        return
    try:
        with app.producer_or_acquire() as producer:
            for message in messages:
                if not publish(message, producer=producer):
                    return
    except Exception as exc:  # taking the producer connects, and the broker may be down
        breaker.trip()
        log.warning(
            "could not publish %d jobs (%s: %s); the reconciler will send them again",
            len(messages),
            type(exc).__name__,
            exc,
        )
