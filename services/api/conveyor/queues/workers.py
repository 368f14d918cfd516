"""The live workers, as they report themselves (``conveyor_worker/presence.py``): their
queues, concurrency, version, heartbeat age, and the jobs they hold now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.utils import timezone

from conveyor.jobs.models import Job
from conveyor.jobs.states import LEASED_STATES
from conveyor.queues.models import WorkerPresence


@dataclass(frozen=True)
class WorkerInfo:
    #: Celery's hostname of the worker (``celery@pod``): running jobs' ``lease_owner``.
    name: str
    #: The queues it was started to consume (paused ones included).
    queues: tuple[str, ...]
    #: How many jobs it runs at once.
    concurrency: int
    #: Seconds since it last reported (at most ``CONVEYOR_WORKER_GONE_AFTER_SECONDS``).
    heartbeat_age_seconds: float
    #: The jobs it holds now (running or cancelling, by their lease), oldest first.
    running_job_ids: tuple[UUID, ...]
    #: conveyor's version it runs.
    version: str
    started_at: datetime


def live_workers(*, now: datetime | None = None) -> list[WorkerInfo]:
    """The workers that reported within ``CONVEYOR_WORKER_GONE_AFTER_SECONDS``, by name."""
    now = now or timezone.now()
    rows = list(
        WorkerPresence.objects.filter(
            seen_at__gte=now - settings.CONVEYOR_WORKER_GONE_AFTER
        ).order_by("name")
    )
    running: dict[str, list[UUID]] = {}
    if rows:
        leased = (
            Job.objects.filter(
                state__in=sorted(LEASED_STATES), lease_owner__in=[row.name for row in rows]
            )
            .order_by("started_at")
            .values_list("lease_owner", "pk")
        )
        for owner, pk in leased:
            running.setdefault(owner, []).append(pk)
    return [
        WorkerInfo(
            name=row.name,
            queues=tuple(row.queues),
            concurrency=row.concurrency,
            heartbeat_age_seconds=max(0.0, (now - row.seen_at).total_seconds()),
            running_job_ids=tuple(running.get(row.name, [])),
            version=row.version,
            started_at=row.started_at,
        )
        for row in rows
    ]


def report_presence(
    *, name: str, queues: list[str], concurrency: int, version: str, started_at: datetime
) -> None:
    """A worker says it is alive (one upsert), and what it serves."""
    WorkerPresence.objects.update_or_create(
        name=name[:200],
        defaults={
            "queues": sorted(queues),
            "concurrency": concurrency,
            "version": version[:50],
            "started_at": started_at,
            "seen_at": timezone.now(),
        },
    )


def forget_worker(name: str) -> None:
    """A worker stopping says so: it leaves the list at once."""
    WorkerPresence.objects.filter(name=name[:200]).delete()


def delete_gone(*, older_than: datetime) -> int:
    """Forget workers that last reported before ``older_than`` (the retention task)."""
    deleted, _ = WorkerPresence.objects.filter(seen_at__lt=older_than).delete()
    return deleted
