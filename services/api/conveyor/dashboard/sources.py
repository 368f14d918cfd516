"""What the dashboard reads and does through the domain's selectors and services
(conveyor/jobs/bulk.py, conveyor/queues/pausing.py and workers.py): the one place it
meets them. An operator acts on every client's jobs (``client=None``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from conveyor.jobs import bulk as jobs_bulk
from conveyor.jobs.bulk import JobFilter
from conveyor.jobs.models import Job
from conveyor.jobs.states import CANCEL_AT_ONCE_STATES, FINAL_STATES, RETRYABLE_STATES, JobState
from conveyor.queues import pausing
from conveyor.queues.workers import live_workers

#: The states each bulk action acts on (as conveyor/jobs/bulk.py does); it leaves the rest.
BULK_STATES: dict[str, frozenset[str]] = {
    "retry": RETRYABLE_STATES,
    "cancel": CANCEL_AT_ONCE_STATES | {JobState.RUNNING},
    "delete": FINAL_STATES,
}
BULK_ACTIONS = {
    "retry": jobs_bulk.bulk_retry,
    "cancel": jobs_bulk.bulk_cancel,
    "delete": jobs_bulk.bulk_delete,
}


def job_filter(values: dict[str, Any]) -> JobFilter:
    """The jobs page's cleaned filter fields (forms.JobQueryForm) as the domain's filter."""
    return JobFilter(
        states=tuple(values.get("state") or ()),
        types=(values["type"],) if values.get("type") else (),
        queues=(values["queue"],) if values.get("queue") else (),
        label=values.get("label") or None,
        client_id=values.get("client"),
        text=values.get("text") or None,
        created_after=values.get("created_after"),
        created_before=values.get("created_before"),
        finished_after=values.get("finished_after"),
        finished_before=values.get("finished_before"),
    )


def matching(values: dict[str, Any]) -> QuerySet[Job]:
    """Every client's jobs that match the jobs page's filter."""
    return jobs_bulk.matching_jobs(job_filter(values), client=None)


def count_by_state(values: dict[str, Any]) -> dict[str, int]:
    return jobs_bulk.count_matching(job_filter(values), client=None)


def affected(action: str, counts: dict[str, int]) -> int:
    """How many of the counted jobs ``action`` would change."""
    return sum(n for state, n in counts.items() if state in BULK_STATES[action])


def bulk(action: str, values: dict[str, Any]) -> int:
    return BULK_ACTIONS[action](job_filter(values), client=None)


def requeue(job: Job, params: dict[str, Any]) -> Job:
    """A new job like ``job`` with ``params`` (validated as a submission's)."""
    return jobs_bulk.requeue_with_params(job, params)


def pause(name: str) -> None:
    pausing.pause_queue(name)


def resume(name: str) -> None:
    pausing.resume_queue(name)


def paused() -> frozenset[str]:
    """The queues an operator paused."""
    return pausing.paused_queues()


def workers() -> list[dict[str, Any]]:
    """Each live worker: name, queues, concurrency, heartbeat age, running jobs, version."""
    return [
        {
            "name": worker.name,
            "queues": list(worker.queues),
            "concurrency": worker.concurrency,
            "heartbeat_age_seconds": round(worker.heartbeat_age_seconds, 1),
            "running_job_ids": [str(job_id) for job_id in worker.running_job_ids],
            "version": worker.version,
        }
        for worker in live_workers()
    ]


def workers_by_queue(found: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for worker in found:
        for queue in worker["queues"]:
            counts[queue] = counts.get(queue, 0) + 1
    return counts
