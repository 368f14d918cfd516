"""Releasing the jobs that wait for a job that ended: exactly once, by construction.

It runs in the transaction that made the job final (``WorkflowOnFinal``, a final hook,
``jobs/hooks.py``), right after that compare-and-set. Each blocked dependent is locked
(``SELECT ... FOR UPDATE``) before its dependencies' states are read, so of two
dependencies ending at once on two workers, the second to take the lock reads the
first's outcome as committed (READ COMMITTED gives each statement a new snapshot) and
releases the dependent; the first saw the second still running and left it blocked. The
release itself is one more compare-and-set, ``blocked → queued``, so a dependent is
queued once however many of its dependencies' transactions see it ready. An outcome that
does not commit (a worker killed mid-outcome) releases nothing: its job runs again and
its next outcome releases. The message follows the commit (``publish_on_commit``); one
the broker loses is sent again by the reconciler, like any queued job's.

A dependent whose dependency failed or was cancelled is cancelled (``DependencyFailed``),
and what waits for it in turn, unless its step says ``run``: then it is released once
every dependency has ended, the failure in its input. The workflow's state is settled
last (``finish_if_done``), under a lock on its row, taken after the jobs' locks in every
transaction, so the order of locks is the same everywhere.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from conveyor.core import database
from conveyor.core.errors import InvalidInput
from conveyor.jobs.hooks import on_final
from conveyor.jobs.lifecycle import message_of, transition
from conveyor.jobs.models import Job
from conveyor.jobs.publishing import bundles_of, publish_on_commit
from conveyor.jobs.services import validate_params
from conveyor.jobs.states import FINAL_STATES, JobState
from conveyor.jobs.types import get_job_type
from conveyor.workflows.models import (
    Dependency,
    OnDependencyFailure,
    Step,
    Workflow,
    WorkflowState,
)

log = logging.getLogger(__name__)

#: The error type of a job cancelled because a job it depends on failed or was cancelled.
DEPENDENCY_FAILED = "DependencyFailed"
#: The error type of a job failed at its release: its dependencies' results do not fit.
INVALID_RESULTS = "InvalidDependencyResults"


class _Settling(threading.local):
    """Whether this thread is settling a workflow's jobs: the jobs a settle ends (cancels)
    go through ``on_final`` for the other hooks, and this one leaves them to the settle
    already running, which walks on from them itself."""

    active: bool = False


_settling = _Settling()


def settle_after_final(job: Job, *, now: datetime | None = None) -> None:
    """``job`` has just become final in this transaction: release, cancel or fail what
    waits for it (and, transitively, what waits for those), then settle its workflow."""
    if _settling.active:
        return
    _settling.active = True
    try:
        now = now or timezone.now()
        settle_dependents([job.pk], now=now)
        if job.workflow_id is not None:
            finish_if_done(job.workflow_id, now=now)
    finally:
        _settling.active = False


def settle_dependents(ended: Iterable[UUID], *, now: datetime) -> list[Job]:
    """Settle the blocked jobs waiting for the ``ended`` jobs, walking on from those it
    ends; the jobs it released (queued), their messages sent once committed."""
    released: list[Job] = []
    frontier = list(ended)
    while frontier:
        waiting = Dependency.objects.filter(upstream_id__in=frontier).values("job_id")
        blocked = list(
            Job.objects.select_for_update()
            .filter(pk__in=waiting, state=JobState.BLOCKED)
            .order_by("pk")
        )
        frontier = []
        for job in blocked:
            outcome = settle(job, now=now)
            if outcome == JobState.QUEUED:
                released.append(job)
            elif outcome is not None:
                frontier.append(job.pk)
    if released:
        publish_on_commit(bundles_of([message_of(job) for job in released]))
    return released


def settle(job: Job, *, now: datetime) -> str | None:
    """Release, cancel or fail one blocked ``job`` (locked by the caller) as its
    dependencies' states say; the state it moved to, or None if it still waits."""
    # States only: a fan-in's check runs once per dependency's end, its results are read
    # once, at the release.
    upstream_rows = Job.objects.filter(
        pk__in=Dependency.objects.filter(job_id=job.pk).values("upstream_id")
    )
    states = list(upstream_rows.values_list("pk", "state"))
    step = Step.objects.filter(job_id=job.pk).first()
    policy = step.on_dependency_failure if step else OnDependencyFailure.CANCEL
    ended_badly = [
        (pk, state) for pk, state in states if state in FINAL_STATES and state != JobState.SUCCEEDED
    ]
    if ended_badly and policy == OnDependencyFailure.CANCEL:
        return _cancel(job, because=ended_badly[0], now=now)
    if any(state not in FINAL_STATES for _, state in states):
        return None
    params = job.params
    if step is not None and step.results_param:
        params = {**job.params, step.results_param: results_of(list(upstream_rows))}
        spec = get_job_type(job.type)
        try:
            if spec is None:
                raise InvalidInput(f"Unknown job type {job.type!r}.")
            params = validate_params(spec, params)
        except InvalidInput as exc:
            return _fail(job, exc, now=now)
    if not transition(
        job.pk,
        sources={JobState.BLOCKED},
        target=JobState.QUEUED,
        now=now,
        params=params,
        queued_at=now,
        published_at=now,
    ):
        return None
    job.params, job.state = params, JobState.QUEUED
    return JobState.QUEUED


def results_of(upstream: Iterable[Job]) -> dict[str, dict[str, Any]]:
    """The input a fan-in job gets: each dependency's outcome, by its name in the workflow."""
    names = dict(
        Step.objects.filter(job_id__in=[u.pk for u in upstream]).values_list("job_id", "name")
    )
    results: dict[str, dict[str, Any]] = {}
    for u in upstream:
        name = names.get(u.pk, str(u.pk))
        if u.state == JobState.SUCCEEDED:
            results[name] = {"state": u.state, "result": u.result}
        else:
            results[name] = {
                "state": u.state,
                "error": {"type": u.error_type, "message": u.error_message},
            }
    return results


def _cancel(job: Job, *, because: tuple[UUID, str], now: datetime) -> str | None:
    because_id, because_state = because
    name = Step.objects.filter(job_id=because_id).values_list("name", flat=True).first()
    if not transition(
        job.pk,
        sources={JobState.BLOCKED},
        target=JobState.CANCELLED,
        now=now,
        finished_at=now,
        error_type=DEPENDENCY_FAILED,
        error_message=f"job {name or because_id} ({because_id}) it depends on is {because_state}",
    ):
        return None
    on_final(job)  # webhooks and long-polls; this settle walks on from it itself
    return JobState.CANCELLED


def _fail(job: Job, exc: InvalidInput, *, now: datetime) -> str | None:
    fields = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in exc.errors)
    if not transition(
        job.pk,
        sources={JobState.BLOCKED},
        target=JobState.FAILED,
        now=now,
        finished_at=now,
        error_type=INVALID_RESULTS,
        error_message=f"{exc} {fields}".strip()[:5000],
    ):
        return None
    on_final(job)
    return JobState.FAILED


def _settle_quietly(job: Job, *, now: datetime) -> str | None:
    """``settle`` one job, without walking on from it if it ends."""
    was, _settling.active = _settling.active, True
    try:
        return settle(job, now=now)
    finally:
        _settling.active = was


def finish_if_done(workflow_id: UUID, *, now: datetime) -> str | None:
    """Store the workflow's outcome if its last job has ended; the outcome, or None.

    The workflow's row is locked first, so of the last jobs ending at once the one that
    takes the lock second sees the other's end and finishes the workflow, once."""
    workflow = Workflow.objects.select_for_update().filter(pk=workflow_id).first()
    if workflow is None or workflow.state != WorkflowState.RUNNING:
        return None
    jobs = Job.objects.filter(workflow_id=workflow_id)
    if jobs.exclude(state__in=FINAL_STATES).exists():
        return None
    if workflow.cancel_requested_at is not None:
        outcome = WorkflowState.CANCELLED
    elif jobs.exclude(state=JobState.SUCCEEDED).exists():
        outcome = WorkflowState.FAILED
    else:
        outcome = WorkflowState.SUCCEEDED
    Workflow.objects.filter(pk=workflow_id, state=WorkflowState.RUNNING).update(
        state=outcome, finished_at=now, updated_at=now
    )
    return outcome


def reopen_after_retry(job: Job, *, now: datetime | None = None) -> None:
    """``job`` (a workflow's) was queued again: it waits again if a dependency has not
    succeeded, the jobs its end cancelled wait again for it (transitively), and its
    workflow runs again."""
    now = now or timezone.now()
    upstream_states = Job.objects.filter(
        pk__in=Dependency.objects.filter(job_id=job.pk).values("upstream_id")
    ).values_list("state", flat=True)
    unmet = any(state != JobState.SUCCEEDED for state in upstream_states)
    if unmet and transition(job.pk, sources={JobState.QUEUED}, target=JobState.BLOCKED, now=now):
        job.state = JobState.BLOCKED
        _settle_quietly(job, now=now)  # a dependency that ended badly ends it again
    frontier = [job.pk]
    while frontier:
        waiting = Dependency.objects.filter(upstream_id__in=frontier).values("job_id")
        cancelled = list(
            Job.objects.select_for_update()
            .filter(pk__in=waiting, state=JobState.CANCELLED, error_type=DEPENDENCY_FAILED)
            .order_by("pk")
        )
        frontier = []
        for c in cancelled:
            if transition(
                c.pk,
                sources={JobState.CANCELLED},
                target=JobState.BLOCKED,
                now=now,
                finished_at=None,
                error_type="",
                error_message="",
            ):
                c.state = JobState.BLOCKED
                # another dependency that ended badly cancels it again; else it waits,
                # and so do the jobs that wait for it
                if _settle_quietly(c, now=now) is None:
                    frontier.append(c.pk)
    if job.workflow_id is not None:
        Workflow.objects.filter(pk=job.workflow_id).exclude(state=WorkflowState.RUNNING).update(
            state=WorkflowState.RUNNING, finished_at=None, cancel_requested_at=None, updated_at=now
        )
        finish_if_done(job.workflow_id, now=now)  # the retried job may have ended again


def repair(*, now: datetime | None = None, limit: int = 500) -> int:
    """Settle what a lost release left behind (belt and braces; the reconciler runs it):
    blocked jobs whose dependencies have all ended, or one of them ended badly, and
    running workflows whose jobs have all ended. How many jobs it released or ended.

    The release in an outcome's transaction makes this find nothing; it is here so a
    release that some path missed (a row changed by hand, a bug) cannot leave a workflow
    waiting forever. Rows are taken with SKIP LOCKED: an outcome settling them now wins.
    """
    now = now or timezone.now()
    edges = Dependency.objects.filter(job_id=OuterRef("pk"))
    unfinished = edges.exclude(upstream__state__in=FINAL_STATES)
    ended_badly = edges.filter(upstream__state__in=[JobState.FAILED, JobState.CANCELLED])
    settled = 0
    with transaction.atomic(using=database.alias()):
        stuck = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(Q(~Exists(unfinished)) | Q(Exists(ended_badly)), state=JobState.BLOCKED)
            .order_by("pk")[:limit]
        )
        released: list[Job] = []
        workflows: set[UUID] = set()
        for job in stuck:
            outcome = _settle_quietly(job, now=now)
            if outcome == JobState.QUEUED:
                released.append(job)
            if outcome is not None:
                settled += 1
            if outcome in {JobState.CANCELLED, JobState.FAILED}:
                settle_dependents([job.pk], now=now)  # what waits for it, as its end would
            if job.workflow_id is not None:
                workflows.add(job.workflow_id)
        if released:
            publish_on_commit(bundles_of([message_of(job) for job in released]))
        done = Workflow.objects.filter(state=WorkflowState.RUNNING).exclude(
            Exists(Job.objects.filter(workflow_id=OuterRef("pk")).exclude(state__in=FINAL_STATES))
        )
        workflows.update(done.values_list("pk", flat=True)[:limit])
        for workflow_id in sorted(workflows):
            finish_if_done(workflow_id, now=now)
    if settled:
        log.warning("reconciler: %d blocked job(s) whose dependencies had ended settled", settled)
    return settled
