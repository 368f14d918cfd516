"""Publishing messages after the transaction commits: a job's (its id, on its queue), and
any other outgoing message (a webhook delivery's) through the same mechanism.

A publish is best effort: the job row is already stored (state ``queued``, with
``published_at``), so a message that never reaches the broker is sent again by the
reconciler (``conveyor_worker/reconcile.py``). While the broker is down, a circuit breaker skips
publishing for a few seconds, so submissions answer fast instead of each waiting on it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from django.conf import settings
from django.db import transaction
from kombu import Connection, Producer

from conveyor.config.broker_url import REDIS_SCHEMES, broker_scheme
from conveyor.config.celery import app
from conveyor.config.tasks import EXECUTE_BUNDLE_TASK, EXECUTE_JOB_TASK
from conveyor.core import database
from conveyor.jobs import task_messages
from conveyor.jobs.task_messages import Shape

log = logging.getLogger(__name__)

# A publish that cannot reach the broker gives up quickly: the request must not hang.
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}


class Outgoing(Protocol):
    """A message to send once the transaction that stored its reason commits."""

    def send(self, *, producer: Producer | None = None) -> bool:
        """Send it now (through ``producer`` when given); False if the broker is down."""


@dataclass(frozen=True)
class Message:
    """What a publish needs to know about a job; taken from the row at transition time."""

    job_id: UUID
    queue: str
    priority: int
    timeout_seconds: int

    def send(self, *, producer: Producer | None = None) -> bool:
        return publish(self, producer=producer)


@dataclass(frozen=True)
class Bundle:
    """One message for several jobs of one queue and priority (``execute_bundle``): the
    worker claims them in one statement and runs them one after another, each with its
    own row, lease, attempts and time limit (``conveyor_worker/bundles.py``)."""

    job_ids: tuple[UUID, ...]
    queue: str
    priority: int
    #: The largest of its jobs' timeouts: the message's time limits follow from it.
    timeout_seconds: int

    def send(self, *, producer: Producer | None = None) -> bool:
        return publish_bundle(self, producer=producer)


def bundles_of(messages: Sequence[Message], *, alone: set[UUID] | None = None) -> list[Outgoing]:
    """The messages to send for ``messages``: jobs of one queue and priority go out as
    bundles of at most ``CONVEYOR_BUNDLE_MAX_JOBS``, split into at least
    ``CONVEYOR_BUNDLE_SPREAD`` bundles when there are that many jobs (so a small batch
    still reaches that many idle processes), sizes as even as can be and order kept.
    A job in ``alone`` (a rate-limited job type's) goes out as a message of its own."""
    cap: int = settings.CONVEYOR_BUNDLE_MAX_JOBS
    spread: int = settings.CONVEYOR_BUNDLE_SPREAD
    alone = alone or set()
    singles: list[Outgoing] = []
    groups: dict[tuple[str, int], list[Message]] = {}
    for message in messages:
        if cap <= 1 or message.job_id in alone:
            singles.append(message)
        else:
            groups.setdefault((message.queue, message.priority), []).append(message)
    outgoing: list[Outgoing] = []
    for (queue, priority), members in groups.items():
        count = max(math.ceil(len(members) / cap), min(len(members), spread))
        size, extra = divmod(len(members), count)
        start = 0
        for index in range(count):
            part = members[start : start + size + (1 if index < extra else 0)]
            start += len(part)
            if len(part) == 1:
                outgoing.append(part[0])  # a bundle of one is a plain job message
                continue
            outgoing.append(
                Bundle(
                    job_ids=tuple(m.job_id for m in part),
                    queue=queue,
                    priority=priority,
                    timeout_seconds=max(m.timeout_seconds for m in part),
                )
            )
    return outgoing + singles


MAX_PRIORITY = 9


def broker_priority(priority: int, *, redis: bool) -> int:
    """A job's priority (0-9, 9 highest) as the broker orders messages: RabbitMQ takes
    higher numbers first, kombu's Redis transport lower ones."""
    clamped = min(max(priority, 0), MAX_PRIORITY)
    return MAX_PRIORITY - clamped if redis else clamped


def _is_redis(connection: Connection | None) -> bool:
    if connection is not None:
        return str(connection.transport.driver_type) == "redis"
    return broker_scheme(str(settings.CELERY_BROKER_URL)) in REDIS_SCHEMES


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


def send_task(
    shape: Shape,
    args: list[Any],
    *,
    what: str,
    connection: Connection | None = None,
    producer: Producer | None = None,
) -> bool:
    """Send one task message now, behind the circuit breaker when ``connection`` is the
    configured broker's. False (and logged, naming ``what``) if the broker refused or is
    down: what the message is for is stored, and the reconciler or dispatcher sends it."""
    if connection is None and breaker.is_open():
        log.debug("broker marked down; %s left for the reconciler", what)
        return False
    try:
        task_messages.send_task(
            shape,
            args,
            connection=connection,
            producer=producer,
            retry=True,
            retry_policy=PUBLISH_RETRY_POLICY,
        )
    except Exception as exc:
        if connection is None:
            breaker.trip()
        log.warning(
            "could not publish %s (%s: %s); it will be sent again", what, type(exc).__name__, exc
        )
        return False
    return True


def publish(
    message: Message, *, connection: Connection | None = None, producer: Producer | None = None
) -> bool:
    """Send the job's message now. False (and logged) if the broker refused or is down.

    ``connection`` overrides the configured broker (the app's connection pool is used
    otherwise, behind the circuit breaker); ``producer`` is one taken from that pool for
    several messages (``publish_all``).
    """
    hard_limit = message.timeout_seconds + math.ceil(
        settings.CONVEYOR_HARD_LIMIT_GRACE.total_seconds()
    )
    shape = Shape(
        EXECUTE_JOB_TASK,
        queue=message.queue,
        priority=broker_priority(message.priority, redis=_is_redis(connection)),
        soft_time_limit=message.timeout_seconds,
        time_limit=hard_limit,
    )
    return send_task(
        shape,
        [str(message.job_id)],
        what=f"job {message.job_id}",
        connection=connection,
        producer=producer,
    )


def bundle_time_limits(timeout_seconds: int) -> tuple[int, int]:
    """A bundle's (soft, hard) time limits: each job has its own soft limit in the worker,
    and every job of a bundle starts within ``CONVEYOR_BUNDLE_HOLD`` of its start, so the
    bundle ends by then plus its longest job's timeout."""
    hold = math.ceil(settings.CONVEYOR_BUNDLE_HOLD.total_seconds())
    grace = math.ceil(settings.CONVEYOR_HARD_LIMIT_GRACE.total_seconds())
    soft = timeout_seconds + hold + 1
    return soft, soft + grace


def publish_bundle(
    bundle: Bundle, *, connection: Connection | None = None, producer: Producer | None = None
) -> bool:
    """Send a bundle's message now. False (and logged) if the broker refused or is down."""
    soft, hard = bundle_time_limits(bundle.timeout_seconds)
    shape = Shape(
        EXECUTE_BUNDLE_TASK,
        queue=bundle.queue,
        priority=broker_priority(bundle.priority, redis=_is_redis(connection)),
        soft_time_limit=soft,
        time_limit=hard,
    )
    return send_task(
        shape,
        [[str(job_id) for job_id in bundle.job_ids]],
        what=f"a bundle of {len(bundle.job_ids)} jobs",
        connection=connection,
        producer=producer,
    )


def publish_on_commit(messages: Sequence[Outgoing]) -> None:
    """Publish once the surrounding transaction commits (at once outside one)."""
    if messages:
        transaction.on_commit(lambda: publish_all(messages), using=database.alias())


def publish_all(messages: Sequence[Outgoing]) -> None:
    """Send the messages in order through one producer from the pool: a batch takes a
    pooled connection once, not once per message (that was ~40% of a publish's cost),
    and on Redis they go out as one pipeline (kombu's publish batch), one round trip.
    Stops at the first failure: the broker is down, the rest wait to be sent again (a
    pipeline that fails leaves them all to the reconciler: one sent twice is claimed
    once)."""
    if not messages:
        return
    if len(messages) == 1 or breaker.is_open():
        messages[0].send()  # one message, or the broker is marked down: logged once
        return
    try:
        with app.producer_or_acquire() as producer, producer.batch():
            for message in messages:
                if not message.send(producer=producer):
                    return
    except Exception as exc:  # taking the producer connects, and the broker may be down
        breaker.trip()
        log.warning(
            "could not publish %d messages (%s: %s); they will be sent again",
            len(messages),
            type(exc).__name__,
            exc,
        )
