"""The worker's presence: it reports itself, and consumes no paused queue.

Every ``CONVEYOR_WORKER_REPORT_SECONDS``, and once when it starts consuming, the worker

- stores who it is (``conveyor/queues/workers.py``: its queues, concurrency, version;
  ``GET /v1/workers`` lists it while it reports);
- compares the queues it was started to consume with the paused ones
  (``conveyor/queues/pausing.py``) and cancels or adds its consumers (Celery's own
  ``cancel_task_queue`` / ``add_task_queue``, what the ``cancel_consumer`` and
  ``add_consumer`` broadcasts do). A broadcast a worker missed, or a worker started while
  a queue was paused, is so put right: it never fetches a paused queue's messages for
  longer than that. A message it fetched before is handed back at claim time.

It runs on the consumer's timer, in the main process, before its event loop starts
taking messages. A database that does not answer delays it, never stops the worker.
"""

from __future__ import annotations

import logging
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from celery import bootsteps
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from conveyor.queues.pausing import paused_queues
from conveyor.queues.workers import forget_worker, report_presence

log = logging.getLogger(__name__)


def conveyor_version() -> str:
    try:
        return version("conveyor")
    except PackageNotFoundError:
        return ""


class PresenceStep(bootsteps.StartStopStep):
    """Reports the worker and keeps its consumers off paused queues."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.interval = settings.CONVEYOR_WORKER_REPORT.total_seconds()
        #: The queues the worker was started to consume (kept across reconnects, when
        #: Celery rebuilds its consumer without the queues a pause cancelled).
        self.own: tuple[str, ...] = ()
        self.started_at: datetime = timezone.now()
        self.timer_ref: Any = None
        self.version = conveyor_version()

    def start(self, c: Any) -> None:
        if not self.own:
            self.own = tuple(sorted(c.app.amqp.queues.consume_from))
        # before the event loop: cancel paused queues only (a consumer added now would
        # take messages before Celery set their handler); the timer adds resumed ones
        self.tick(c, adding=False)
        self.timer_ref = c.timer.call_repeatedly(self.interval, self.tick, (c,), priority=10)

    def stop(self, c: Any) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None

    def shutdown(self, c: Any) -> None:
        self.stop(c)
        try:
            close_old_connections()
            forget_worker(c.hostname)
        except Exception as exc:  # the database is away: the row simply goes stale
            log.warning("could not remove this worker from the workers' list: %s", exc)

    def tick(self, c: Any, *, adding: bool = True) -> None:
        try:
            close_old_connections()
            paused = paused_queues()
            self.apply_pauses(c, paused, adding=adding)
            report_presence(
                name=c.hostname,
                queues=list(self.own),
                concurrency=int(getattr(c.controller, "concurrency", 0) or 0),
                version=self.version,
                started_at=self.started_at,
            )
        except Exception as exc:  # the database or broker is away: try again next time
            log.warning("worker presence not reported: %s: %s", type(exc).__name__, exc)

    def apply_pauses(self, c: Any, paused: frozenset[str], *, adding: bool = True) -> None:
        consumer = c.task_consumer
        if consumer is None:
            return
        # The consumer's queues, not the ones it consumes yet: at start it consumes none
        # until its event loop begins, and a queue cancelled then is never consumed.
        listed = {queue.name for queue in consumer.queues}
        for name in self.own:
            if name in paused and name in listed:
                log.info("queue %s is paused: no longer consuming it", name)
                c.cancel_task_queue(name)
            elif name not in paused and name not in listed and adding:
                log.info("queue %s is resumed: consuming it again", name)
                # back among the queues a reconnect consumes, as declared (its arguments)
                queues = c.app.amqp.queues
                queues.select_add(queues[name])
                c.add_task_queue(name)
