"""Pausing a queue: its jobs stay queued, no worker takes one, until it is resumed.

The ``PausedQueue`` row is the truth; three things act on it:

- at once, a broadcast: ``cancel_consumer`` to every worker on a pause (Celery's own
  remote control: a worker stops fetching the queue's messages), ``add_consumer`` on a
  resume to the live workers started to consume it (``GET /v1/workers``);
- every ``CONVEYOR_WORKER_REPORT_SECONDS``, and when it starts, each worker compares its
  own queues with the paused ones and cancels or adds its consumers
  (``conveyor_worker/presence.py``): a missed broadcast, or a worker started later, is
  put right;
- the claim: a worker never claims a job of a paused queue (``conveyor_worker/
  statements.py``); a message fetched before the pause took effect is handed back (the
  job stays queued, ``published_at`` cleared) and published again on resume.

The queue's counts go on (``GET /v1/queues`` says ``paused``; the gauge
``conveyor_queue_paused``), so autoscaling still sees the backlog.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from conveyor.config.celery import app
from conveyor.core import database
from conveyor.core.errors import NotFound
from conveyor.jobs.lifecycle import message_of
from conveyor.jobs.models import Job
from conveyor.jobs.publishing import publish_on_commit
from conveyor.jobs.services import allowed_queues
from conveyor.jobs.states import JobState
from conveyor.queues.models import PausedQueue
from conveyor.queues.workers import live_workers

log = logging.getLogger(__name__)

#: Jobs published again per transaction on a resume.
REPUBLISH_BATCH = 500


def _check_known(name: str) -> None:
    known = allowed_queues()
    if name not in known:
        raise NotFound(
            f"No queue named {name!r}; GET /v1/queues lists the queues "
            f"({', '.join(sorted(known))})."
        )


def pause_queue(name: str) -> None:
    """Pause the queue (again: nothing changes). ``NotFound`` for an unknown queue."""
    _check_known(name)
    PausedQueue.objects.get_or_create(name=name, defaults={"paused_at": timezone.now()})
    transaction.on_commit(
        lambda: broadcast("cancel_consumer", {"queue": name}), using=database.alias()
    )
    log.info("queue %s paused", name)


def resume_queue(name: str) -> None:
    """Resume the queue: workers take its jobs again, those handed back during the pause
    are published again. Resuming a running queue changes nothing."""
    _check_known(name)
    PausedQueue.objects.filter(name=name).delete()
    republished = republish_handed_back(name)
    transaction.on_commit(lambda: _add_consumers(name), using=database.alias())
    log.info(
        "queue %s resumed (%d job(s) handed back while paused published again)", name, republished
    )


def paused_queues() -> frozenset[str]:
    """The names of the paused queues."""
    return frozenset(PausedQueue.objects.values_list("name", flat=True))


def is_paused(name: str) -> bool:
    return PausedQueue.objects.filter(name=name).exists()


def republish_handed_back(name: str) -> int:
    """Publish again the queued jobs of the queue whose message a worker handed back
    while it was paused (their ``published_at`` is cleared); how many."""
    total = 0
    while True:
        with transaction.atomic(using=database.alias()):
            jobs = list(
                Job.objects.select_for_update(skip_locked=True)
                .filter(queue=name, state=JobState.QUEUED, published_at__isnull=True)
                .order_by("queued_at")
                .only("id", "queue", "priority", "timeout_seconds")[:REPUBLISH_BATCH]
            )
            if not jobs:
                return total
            now = timezone.now()
            Job.objects.filter(pk__in=[job.pk for job in jobs], state=JobState.QUEUED).update(
                published_at=now, updated_at=now
            )
            publish_on_commit([message_of(job) for job in jobs])
        total += len(jobs)


def _add_consumers(name: str) -> None:
    serving = [worker.name for worker in live_workers() if name in worker.queues]
    if serving:
        broadcast("add_consumer", {"queue": name}, destination=serving)


def broadcast(
    command: str, arguments: dict[str, Any], destination: list[str] | None = None
) -> bool:
    """Send a Celery remote-control command to the workers (all, or ``destination``); no
    reply awaited. False when the broker cannot be reached: the workers' own periodic
    check then applies the change within ``CONVEYOR_WORKER_REPORT_SECONDS``."""
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=1)
            app.control.broadcast(
                command,
                arguments=arguments,
                destination=destination,
                connection=connection,
                reply=False,
            )
    except Exception as exc:  # the broker is down: the workers' periodic check catches up
        log.warning(
            "could not broadcast %s%r to the workers (%s: %s); they apply it at their next check",
            command,
            arguments,
            type(exc).__name__,
            exc,
        )
        return False
    return True
