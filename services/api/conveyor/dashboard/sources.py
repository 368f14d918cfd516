"""What the dashboard reads and does through the domain's selectors and services: the
one place it meets conveyor/jobs and conveyor/queues."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from conveyor.core.errors import ConveyorError
from conveyor.dashboard.forms import filter_jobs
from conveyor.jobs.models import Job
from conveyor.jobs.services import job_cancel, job_retry
from conveyor.jobs.states import CANCEL_AT_ONCE_STATES, FINAL_STATES, RETRYABLE_STATES, JobState


def matching(values: dict[str, Any]) -> QuerySet[Job]:
    """Every client's jobs that match the jobs page's filter."""
    return filter_jobs(Job.objects.all(), values)


def count_by_state(values: dict[str, Any]) -> dict[str, int]:
    rows = matching(values).values("state").annotate(jobs=Count("pk")).order_by()
    return {row["state"]: row["jobs"] for row in rows}


def paused() -> frozenset[str]:
    """The queues an operator paused."""
    return frozenset()


def workers() -> list[dict[str, Any]]:
    """Each live worker: name, queues, concurrency, heartbeat age, running jobs, version."""
    return []


def workers_by_queue() -> dict[str, int]:
    counts: dict[str, int] = {}
    for worker in workers():
        for queue in worker["queues"]:
            counts[queue] = counts.get(queue, 0) + 1
    return counts


#: The states each bulk action acts on; the others it leaves alone.
BULK_STATES: dict[str, frozenset[str]] = {
    "retry": RETRYABLE_STATES,
    "cancel": CANCEL_AT_ONCE_STATES | {JobState.RUNNING},
    "delete": FINAL_STATES,
}


def affected(action: str, counts: dict[str, int]) -> int:
    """How many of the counted jobs ``action`` would change."""
    return sum(n for state, n in counts.items() if state in BULK_STATES[action])


def bulk(action: str, values: dict[str, Any]) -> int:
    jobs = matching(values).filter(state__in=sorted(BULK_STATES[action]))
    if action == "delete":
        deleted, _ = jobs.delete()
        return deleted
    service = job_retry if action == "retry" else job_cancel
    done = 0
    for job in jobs.iterator():
        try:
            service(job=job)
            done += 1
        except ConveyorError:
            continue
    return done


def requeue(job: Job, params: dict[str, Any]) -> Job:
    raise NotImplementedError


def pause(name: str) -> None:
    raise NotImplementedError


def resume(name: str) -> None:
    raise NotImplementedError
