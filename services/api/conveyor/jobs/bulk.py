"""What operators (and clients, on their own jobs) do to many jobs at once: cancel,
retry, delete the jobs a filter matches, and run a job again with edited params.

Each action applies the single-job service's rules (``services.job_cancel``,
``services.job_retry``) to every matching job: the same compare-and-set transitions, the
same final hooks, messages published once the batch commits (the outbox of
``publishing.publish_on_commit``). The jobs are taken ``BATCH_SIZE`` at a time in key
order, each batch its own short transaction that locks only its rows, so a filter
matching a million jobs never holds locks for minutes; a job that changed state between
the batch's read and its lock is skipped, as a racing single cancel would be.

``client=None`` is an operator (the dashboard, the admin): every client's jobs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from conveyor.clients.models import ApiClient
from conveyor.core import database
from conveyor.core.batches import delete_in_batches
from conveyor.core.errors import Conflict, InvalidInput
from conveyor.jobs import quotas
from conveyor.jobs.hooks import on_final
from conveyor.jobs.lifecycle import message_of, transition_many
from conveyor.jobs.models import Job
from conveyor.jobs.publishing import publish_on_commit
from conveyor.jobs.selectors import LABEL_KEY, LabelValue
from conveyor.jobs.services import (
    cancel_changes,
    job_store,
    prepare_job,
    retry_changes,
)
from conveyor.jobs.states import (
    CANCEL_AT_ONCE_STATES,
    FINAL_STATES,
    RETRYABLE_STATES,
    JobState,
)

#: Jobs acted on per transaction: short locks, small transactions.
BATCH_SIZE = 500
#: The states each action takes a job from; the jobs in others are left as they are.
CANCELLABLE_STATES: frozenset[str] = CANCEL_AT_ONCE_STATES | {JobState.RUNNING}
DELETABLE_STATES: frozenset[str] = FINAL_STATES


@dataclass(frozen=True)
class JobFilter:
    """Which jobs an action or a count covers; every given field must match (AND).

    Empty tuples and ``None`` match everything.
    """

    #: Any of these states.
    states: tuple[str, ...] = ()
    #: Any of these job types.
    types: tuple[str, ...] = ()
    #: On any of these queues.
    queues: tuple[str, ...] = ()
    #: One label as ``key=value``.
    label: str | None = None
    #: More labels, each (key, value), all of which must match (``GET /v1/jobs?label=``).
    labels: tuple[tuple[str, str], ...] = ()
    #: Jobs of this client only (an operator narrowing down; a client's key sets it anyway).
    client_id: int | None = None
    #: Text found (case-insensitive) in the params, as JSON, or in the error message.
    text: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    finished_after: datetime | None = None
    finished_before: datetime | None = None

    def label_pairs(self) -> list[tuple[str, str]]:
        """Every label condition; raises ``InvalidInput`` for a malformed ``label``."""
        pairs = list(self.labels)
        if self.label:
            key, sep, value = self.label.partition("=")
            if not sep or not LABEL_KEY.match(key):
                raise InvalidInput(
                    "The label filter is not key=value.",
                    errors=[
                        {
                            "field": "label",
                            "message": "Give a label as key=value, the key a label key "
                            "(letters, digits, '.', '_', '/', '-').",
                            "code": "invalid",
                        }
                    ],
                )
            pairs.append((key, value))
        return pairs


def matching_jobs(job_filter: JobFilter, *, client: ApiClient | None) -> QuerySet[Job]:
    """The jobs ``job_filter`` matches: ``client``'s only, or every client's for ``None``."""
    jobs = Job.objects.all()
    if client is not None:
        jobs = jobs.filter(client=client)
    f = job_filter
    if f.client_id is not None:
        jobs = jobs.filter(client_id=f.client_id)
    if f.states:
        jobs = jobs.filter(state__in=list(f.states))
    if f.types:
        jobs = jobs.filter(type__in=list(f.types))
    if f.queues:
        jobs = jobs.filter(queue__in=list(f.queues))
    if f.created_after:
        jobs = jobs.filter(created_at__gte=f.created_after)
    if f.created_before:
        jobs = jobs.filter(created_at__lt=f.created_before)
    if f.finished_after:
        jobs = jobs.filter(finished_at__gte=f.finished_after)
    if f.finished_before:
        jobs = jobs.filter(finished_at__lt=f.finished_before)
    if f.text:
        jobs = jobs.alias(_params_text=Cast("params", TextField())).filter(
            Q(_params_text__icontains=f.text) | Q(error_message__icontains=f.text)
        )
    for index, (key, value) in enumerate(sorted(f.label_pairs())):
        alias = f"_label{index}"
        jobs = jobs.alias(**{alias: LabelValue(key)}).filter(**{alias: value})
    return jobs


def count_matching(job_filter: JobFilter, *, client: ApiClient | None) -> dict[str, int]:
    """How many jobs ``job_filter`` matches, per state (states with none are left out)."""
    rows = (
        matching_jobs(job_filter, client=client)
        .order_by()
        .values("state")
        .annotate(jobs=Count("pk"))
    )
    return {row["state"]: int(row["jobs"]) for row in rows}


def count_in(states: frozenset[str], counts: Mapping[str, int]) -> int:
    """Of ``count_matching``'s counts, the jobs in ``states``: what an action would take
    (``CANCELLABLE_STATES``, ``RETRYABLE_STATES``, ``DELETABLE_STATES``)."""
    return sum(n for state, n in counts.items() if state in states)


def _in_batches(
    jobs: QuerySet[Job], act: Callable[[list[Job], datetime], int], *, batch_size: int
) -> int:
    """Run ``act`` on ``jobs`` in key order, ``batch_size`` at a time, each batch in its
    own transaction with its rows locked (``act`` gets the locked rows still matching)."""
    done = 0
    last: Any = None
    while True:
        page = jobs.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        ids = list(page.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return done
        last = ids[-1]
        with transaction.atomic(using=database.alias()):
            locked = list(jobs.filter(pk__in=ids).order_by("pk").select_for_update(of=("self",)))
            if locked:
                done += act(locked, timezone.now())


def bulk_cancel(
    job_filter: JobFilter, *, client: ApiClient | None, batch_size: int = BATCH_SIZE
) -> int:
    """Cancel the unfinished jobs ``job_filter`` matches, as ``job_cancel`` does each one:
    a waiting job at once (its final hooks run), a running one is asked to stop
    (``cancelling``; its worker ends it). How many were cancelled or asked to stop."""
    jobs = matching_jobs(job_filter, client=client).filter(state__in=sorted(CANCELLABLE_STATES))

    def act(locked: list[Job], now: datetime) -> int:
        waiting = [job for job in locked if job.state in CANCEL_AT_ONCE_STATES]
        running = [job.pk for job in locked if job.state == JobState.RUNNING]
        done = transition_many(
            [job.pk for job in waiting],
            sources=CANCEL_AT_ONCE_STATES,
            target=JobState.CANCELLED,
            now=now,
            **cancel_changes(now),
        )
        for job in waiting:
            on_final(job)
        done += transition_many(
            running,
            sources={JobState.RUNNING},
            target=JobState.CANCELLING,
            now=now,
            cancel_requested_at=now,
        )
        return done

    return _in_batches(jobs, act, batch_size=batch_size)


def bulk_retry(
    job_filter: JobFilter, *, client: ApiClient | None, batch_size: int = BATCH_SIZE
) -> int:
    """Run again, each with a fresh attempt budget, the failed or cancelled jobs
    ``job_filter`` matches, as ``job_retry`` does; each batch's messages are published
    once it commits. How many were queued again."""
    jobs = matching_jobs(job_filter, client=client).filter(state__in=sorted(RETRYABLE_STATES))

    def act(locked: list[Job], now: datetime) -> int:
        done = transition_many(
            [job.pk for job in locked],
            sources=RETRYABLE_STATES,
            target=JobState.QUEUED,
            now=now,
            **retry_changes(now),
        )
        publish_on_commit([message_of(job) for job in locked])
        return done

    return _in_batches(jobs, act, batch_size=batch_size)


def bulk_delete(
    job_filter: JobFilter, *, client: ApiClient | None, batch_size: int = BATCH_SIZE
) -> int:
    """Delete the finished (succeeded, failed, cancelled) jobs ``job_filter`` matches,
    with their attempts and webhook deliveries; unfinished ones are never deleted (cancel
    them first). How many jobs were deleted."""
    jobs = matching_jobs(job_filter, client=client).filter(state__in=sorted(DELETABLE_STATES))
    return delete_in_batches(jobs, batch_size=batch_size, order_by="pk")


def requeue_with_params(job: Job, params: Mapping[str, Any]) -> Job:
    """Run a failed or cancelled job again as a new job with edited ``params`` (the same
    client, type, queue, priority, labels, limits and webhook). The params are validated
    against the job type's schema: ``InvalidInput`` with field errors if they do not fit.
    The old job stays as it was, for its history."""
    if job.state not in RETRYABLE_STATES:
        raise Conflict(
            f"Job {job.id} is {job.state}; only a failed or cancelled job can be run again "
            "with new params."
        )
    quotas.check_unfinished_jobs(client=job.client, adding=1)
    new = prepare_job(
        client=job.client,
        type=job.type,
        params=params,
        queue=job.queue,
        priority=job.priority,
        max_attempts=job.max_attempts,
        timeout_seconds=job.timeout_seconds,
        labels=job.labels,
        webhook_url=job.webhook_url,
        now=timezone.now(),
    )
    return job_store(new)
