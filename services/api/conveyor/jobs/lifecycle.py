"""Every change of a job's state, as a compare-and-set on (state, lease).

Nothing else writes ``Job.state``. A transition names the states it may start from and
is applied by one conditional UPDATE; it reports whether it happened, so two workers, a
late duplicate message or a racing cancel can never both win. The worker's transitions
(claim, outcome, hand-back) are in ``conveyor_worker/attempts.py``, written on these.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.utils import timezone

from conveyor.jobs.models import Job
from conveyor.jobs.publishing import Message
from conveyor.jobs.states import sources_of


def transition(
    job_id: UUID | str,
    *,
    sources: set[str] | frozenset[str],
    target: str,
    holding: UUID | None = None,
    now: datetime | None = None,
    **changes: Any,
) -> bool:
    """Move the job to ``target`` if it is in one of ``sources`` and, when ``holding`` is
    given, its lease is still that token. ``changes`` are the other columns to set."""
    allowed = sources_of(target, sources)
    rows = Job.objects.filter(pk=job_id, state__in=allowed)
    if holding is not None:
        rows = rows.filter(lease_token=holding)
    return rows.update(state=target, updated_at=now or timezone.now(), **changes) == 1


def transition_many(
    job_ids: Iterable[UUID | str],
    *,
    sources: set[str] | frozenset[str],
    target: str,
    now: datetime | None = None,
    **changes: Any,
) -> int:
    """``transition`` for several jobs in one UPDATE (operators' bulk actions): those of
    ``job_ids`` still in one of ``sources`` move to ``target``; how many did."""
    allowed = sources_of(target, sources)
    rows = Job.objects.filter(pk__in=list(job_ids), state__in=allowed)
    return rows.update(state=target, updated_at=now or timezone.now(), **changes)


def message_of(job: Job) -> Message:
    return Message(
        job_id=job.id, queue=job.queue, priority=job.priority, timeout_seconds=job.timeout_seconds
    )
