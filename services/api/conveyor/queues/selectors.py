"""Per-queue counts of the jobs that are not final: what autoscaling and operators read.

One grouped query over the non-final states (the ``(queue, state)`` index serves it), kept
for ``CONVEYOR_QUEUE_STATS_TTL_SECONDS`` (default 5) per process, so the ``/metrics``
scrape, ``GET /v1/queues`` and KEDA's metrics-api polls together cost at most one query per
process per TTL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache

from django.db.models import Count, Min
from django.utils import timezone

from conveyor.config.env import env_float
from conveyor.jobs.models import Job
from conveyor.jobs.services import allowed_queues
from conveyor.jobs.states import FINAL_STATES, JobState
from conveyor.queues.pausing import is_paused, paused_queues

TTL_ENV = "CONVEYOR_QUEUE_STATS_TTL_SECONDS"
DEFAULT_TTL_SECONDS = 5.0
NON_FINAL_STATES = sorted(set(JobState.values) - FINAL_STATES)


@dataclass
class QueueStats:
    """One queue's jobs that are not final.

    ``backlog`` = ``waiting`` + ``running``: the work a pool has left, counted until the last
    job ends (never the broker's list length, which drops to zero while jobs still run).
    """

    name: str
    waiting: int = 0  # queued: published, not yet claimed by a worker
    running: int = 0  # running or cancelling: a worker holds the job's lease
    scheduled: int = 0  # scheduled or retrying: waiting in the database for their run_at
    workers: int = 0  # distinct workers holding a running job of this queue
    paused: bool = False  # an operator paused it: its jobs wait (conveyor/queues/pausing.py)
    # blocked: waiting for the jobs they depend on (conveyor/workflows). No queue's work
    # yet: never backlog, so they scale no pool up.
    blocked: int = 0
    oldest_queued_at: datetime | None = None
    measured_at: datetime = field(default_factory=timezone.now)

    @property
    def backlog(self) -> int:
        return self.waiting + self.running

    @property
    def oldest_waiting_seconds(self) -> float:
        if self.oldest_queued_at is None:
            return 0.0
        return max(0.0, (self.measured_at - self.oldest_queued_at).total_seconds())


def count_queues(*, now: datetime | None = None) -> dict[str, QueueStats]:
    """Every known queue (job types' and extra ones) plus any queue jobs still wait on."""
    now = now or timezone.now()
    stats = {name: QueueStats(name=name, measured_at=now) for name in sorted(allowed_queues())}
    rows = (
        Job.objects.filter(state__in=NON_FINAL_STATES)
        .values("queue", "state")
        .annotate(
            jobs=Count("pk"),
            oldest=Min("queued_at"),
            workers=Count("lease_owner", distinct=True),
        )
        .order_by()
    )
    for row in rows:
        queue = stats.setdefault(row["queue"], QueueStats(name=row["queue"], measured_at=now))
        state, jobs = row["state"], int(row["jobs"])
        if state == JobState.QUEUED:
            queue.waiting += jobs
            queue.oldest_queued_at = row["oldest"]
        elif state in {JobState.RUNNING, JobState.CANCELLING}:
            queue.running += jobs
            queue.workers += int(row["workers"])
        elif state == JobState.BLOCKED:
            queue.blocked += jobs
        else:
            queue.scheduled += jobs
    return dict(sorted(stats.items()))


class QueueStatsCache:
    """``count_queues`` at most once per ``ttl`` seconds (thread-safe: views run in threads)."""

    def __init__(
        self,
        *,
        ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = env_float(TTL_ENV, DEFAULT_TTL_SECONDS) if ttl is None else ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._value: dict[str, QueueStats] | None = None
        self._taken_at = 0.0

    def get(self) -> dict[str, QueueStats]:
        with self._lock:
            now = self.clock()
            if self._value is None or now - self._taken_at >= self.ttl:
                self._value = count_queues()
                self._taken_at = now
            return self._value

    def clear(self) -> None:
        with self._lock:
            self._value = None


@cache
def stats_cache() -> QueueStatsCache:
    """The process's cache (its TTL is read from the environment on first use)."""
    return QueueStatsCache()


def queue_list() -> list[QueueStats]:
    """Every queue's (cached) counts, and whether it is paused now (read each time: a
    pause shows at once)."""
    paused = paused_queues()
    return [replace(q, paused=q.name in paused) for q in stats_cache().get().values()]


def queue_get(*, name: str) -> QueueStats | None:
    queue = stats_cache().get().get(name)
    return None if queue is None else replace(queue, paused=is_paused(name))
