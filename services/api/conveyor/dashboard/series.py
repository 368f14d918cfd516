"""The overview's charts: per minute over the last hour, from the Job and attempt rows.

Counts are grouped per minute in the database (``TruncMinute`` on PostgreSQL and SQLite
alike); the percentiles of queue wait and run time are taken here from the jobs that
finished in each minute, at most ``LATENCY_SAMPLE`` of them in the hour (the newest), so a
busy hour costs one bounded read.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count
from django.db.models.functions import TruncMinute
from django.utils import timezone

from conveyor.jobs.models import Job, JobAttempt
from conveyor.jobs.states import JobState

#: How far back the charts look.
WINDOW = timedelta(hours=1)
#: The most finished jobs whose times the latency percentiles read, per request.
LATENCY_SAMPLE = 5000


@dataclass(frozen=True)
class Minute:
    """One minute of the window; times in seconds, None when no job finished in it."""

    at: datetime
    succeeded: int = 0
    failed: int = 0
    retried: int = 0
    wait_p50: float | None = None
    wait_p95: float | None = None
    run_p50: float | None = None
    run_p95: float | None = None


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ``values`` (None for none)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _minutes(now: datetime) -> list[datetime]:
    last = now.replace(second=0, microsecond=0)
    count = int(WINDOW.total_seconds() // 60)
    return [last - timedelta(minutes=count - 1 - i) for i in range(count)]


def last_hour(*, now: datetime | None = None) -> list[Minute]:
    """Succeeded, failed and retried per minute, queue wait and run time p50/p95."""
    now = now or timezone.now()
    minutes = _minutes(now)
    since = minutes[0]
    finished = (
        Job.objects.filter(finished_at__gte=since, state__in=[JobState.SUCCEEDED, JobState.FAILED])
        .annotate(minute=TruncMinute("finished_at"))
        .values("minute", "state")
        .annotate(jobs=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[datetime, str], int] = {
        (row["minute"], row["state"]): row["jobs"] for row in finished
    }
    retried_rows = (
        JobAttempt.objects.filter(finished_at__gte=since, outcome=JobAttempt.Outcome.RETRYING)
        .annotate(minute=TruncMinute("finished_at"))
        .values("minute")
        .annotate(attempts=Count("pk"))
        .order_by()
    )
    retried = {row["minute"]: row["attempts"] for row in retried_rows}
    waits: dict[datetime, list[float]] = defaultdict(list)
    runs: dict[datetime, list[float]] = defaultdict(list)
    timed = (
        Job.objects.filter(finished_at__gte=since, started_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", "queued_at", "started_at")[:LATENCY_SAMPLE]
    )
    for finished_at, queued_at, started_at in timed:
        if finished_at is None or started_at is None:
            continue  # excluded by the filter; for the type checker
        minute = finished_at.replace(second=0, microsecond=0)
        runs[minute].append((finished_at - started_at).total_seconds())
        if queued_at is not None and started_at >= queued_at:
            waits[minute].append((started_at - queued_at).total_seconds())
    return [
        Minute(
            at=minute,
            succeeded=counts.get((minute, JobState.SUCCEEDED), 0),
            failed=counts.get((minute, JobState.FAILED), 0),
            retried=retried.get(minute, 0),
            wait_p50=percentile(waits[minute], 0.50),
            wait_p95=percentile(waits[minute], 0.95),
            run_p50=percentile(runs[minute], 0.50),
            run_p95=percentile(runs[minute], 0.95),
        )
        for minute in minutes
    ]


def failure_ratio(minutes: list[Minute]) -> float | None:
    """Failed over finished (succeeded + failed) in the window; None when none finished."""
    failed = sum(m.failed for m in minutes)
    finished = failed + sum(m.succeeded for m in minutes)
    return failed / finished if finished else None
