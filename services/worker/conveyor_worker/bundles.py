"""``execute_bundle([job ids])``: several jobs of one queue and priority in one message.

``POST /v1/jobs/batch`` publishes its jobs as bundles (``publishing.bundles_of``). The
worker claims the queued ones in one statement (``attempts.claim_bundle``), each job with
a lease of its own, and runs them one after another, oldest first (``bundle_order``),
recording each one's outcome as a single job's is (``execute``). So each job keeps its
row, lease, attempts, cancel, retries, time limit and rate limits:

- a job cancelled, finished or claimed elsewhere before the bundle is taken is not queued
  and so not claimed: it is skipped;
- a job under a rate limit, or of a client with a cap on its running jobs, is not
  claimed with the rest: it goes, after them, through a single job's claim under its
  limits (``admission``), which may put it off;
- each job has its own soft time limit (``execute.soft_time_limit``); the message's
  limits cover the bundle (``publishing.bundle_time_limits``);
- the keeper renews the leases of the jobs claimed and not yet started with the running
  one's, and tells of a cancel; a job cancelled while it waits in the bundle is cancelled
  without running;
- a job is started only within ``CONVEYOR_BUNDLE_HOLD`` of the bundle's start: the rest
  is then given back (queued again, its attempt count unchanged) and published again, for
  any process, so a long job never holds the rest of its bundle for long after it ends.
- a success is sent without waiting for its answer, which is read just before the next
  handler runs (``pipelining``): the next job is made ready while PostgreSQL commits.

Of the jobs a bundle's message still holds, the first in ``bundle_order`` is the one
running and the others have not started. Whoever ends a bundle that did not end itself
relies on it: the hard time limit (``execute.JobTask``), the shutdown deadline
(``shutdown``) and the reconciler for a worker that died (``reconcile``). They end the
first as a single job's attempt and give the others back, so they run once.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from celery import Task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from conveyor.config.celery import app
from conveyor.config.tasks import EXECUTE_BUNDLE_TASK
from conveyor.core import database, inflight, logs
from conveyor.jobs.models import Job
from conveyor.jobs.states import JobState
from conveyor.jobs.types import all_job_types, type_rate
from conveyor_worker import attempts, pipelining
from conveyor_worker import metrics as worker_metrics
from conveyor_worker.attempts import Lease
from conveyor_worker.context import RunContext, keeper
from conveyor_worker.dbretry import with_db_retry
from conveyor_worker.execute import (
    JobTask,
    Recorder,
    Succeeded,
    _attempt,
    _unhandled,
    observed,
    run_job,
)
from conveyor_worker.registry import get_handler

log = logging.getLogger(__name__)


@app.task(
    name=EXECUTE_BUNDLE_TASK,
    bind=True,
    base=JobTask,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def execute_bundle(self: Task, job_ids: Any) -> None:  # type: ignore[type-arg]
    run_bundle(job_ids, message_id=self.request.id, worker=self.request.hostname or "worker")


def run_bundle(job_ids: Any, *, message_id: str | None, worker: str) -> list[str | None]:
    """Run the queued jobs of a bundle; the state each one run ended in (None: not run)."""
    ids = _job_ids(job_ids)
    if not ids:
        return []
    if database.connection().vendor != "postgresql":
        return [_single(job_id, message_id=message_id, worker=worker) for job_id in ids]
    skip_types, skip_queues = _rate_limited()
    leases = with_db_retry(
        lambda: attempts.claim_bundle(
            ids,
            worker=worker,
            message_id=message_id,
            skip_types=skip_types,
            skip_queues=skip_queues,
        ),
        what=f"claiming a bundle of {len(ids)} jobs",
    )
    states = _run_claimed(leases, worker=worker)
    claimed = {str(lease.job.pk) for lease in leases}
    left = [job_id for job_id in ids if job_id not in claimed]
    if left:
        # those still queued were left out: rate-limited ones and those of a client with
        # a cap on its running jobs; run after the claimed ones, so the order above
        # still holds (the others are not queued: cancelled, finished, taken elsewhere)
        queued = with_db_retry(
            lambda: {
                str(pk)
                for pk in Job.objects.filter(pk__in=left, state=JobState.QUEUED).values_list(
                    "pk", flat=True
                )
            },
            what=f"reading {len(left)} unclaimed jobs of a bundle",
        )
        states += [
            _single(job_id, message_id=message_id, worker=worker)
            for job_id in left
            if job_id in queued
        ]
    return states


def _single(job_id: str, *, message_id: str | None, worker: str) -> str | None:
    state = run_job(job_id, message_id=message_id, worker=worker)
    worker_metrics.job_finished(state)
    return state


def _run_claimed(leases: list[Lease], *, worker: str) -> list[str | None]:
    """Run the claimed jobs in order, each watched from its claim; give back the rest
    when the hold is over or when this stops early (an exception)."""
    hold: float = settings.CONVEYOR_BUNDLE_HOLD.total_seconds()
    contexts = [RunContext(lease) for lease in leases]
    for ctx in contexts:
        keeper().watch(ctx)  # renews the unstarted ones' leases, and tells of a cancel
    outcomes = _Outcomes(worker=worker, pipelined=pipelining.wanted())
    started = time.monotonic()
    done = 0
    try:
        # nothing goes through Django's connection while an outcome is in the air
        with database.connection().execute_wrapper(outcomes.before_statement):
            for lease, ctx in zip(leases, contexts, strict=True):
                if done and time.monotonic() - started > hold:
                    break
                done += 1
                _run_one(lease, ctx, outcomes)
            outcomes.settle()
    finally:
        if outcomes.in_air:  # stopped early: the answer still counts
            outcomes.settle()
        for ctx in contexts:
            keeper().unwatch(ctx)
        rest = leases[done:]
        if rest:
            given = with_db_retry(
                lambda: attempts.return_unstarted(rest),
                what=f"giving back {len(rest)} unstarted jobs of a bundle",
            )
            log.info("bundle held for %.1f s: %s unstarted job(s) given back", hold, given)
    return outcomes.states


def _run_one(lease: Lease, ctx: RunContext, outcomes: _Outcomes) -> None:
    """One job of the bundle, as ``execute.run_job`` runs a claimed one."""
    if ctx.cancel_requested:  # cancelled (or lost) while it waited in the bundle
        outcomes.ended(
            None
            if ctx.lease_lost
            else with_db_retry(
                lambda: JobState.CANCELLED if attempts.record_cancelled(lease) else None,
                what=f"cancelling job {lease.job.pk}",
            )
        )
        return
    # the attempt starts now, not at the bundle's claim
    lease = dataclasses.replace(lease, started_at=timezone.now())
    ctx.lease = lease
    registered = get_handler(lease.job.type)
    if registered is None:
        handed = with_db_retry(lambda: _unhandled(lease), what=f"handing back job {lease.job.pk}")
        outcomes.ended(handed)
        return
    with observed(lease, worker=outcomes.worker) as span:
        worker_metrics.job_started(lease)
        record = _attempt(lease, registered, ctx=ctx, own_time_limit=True, ready=outcomes.settle)
        if outcomes.sent(lease, record):
            return
        outcomes.settle()
        state = with_db_retry(record, what=f"recording the outcome of job {lease.job.pk}")
        span.outcome(state)
    worker_metrics.job_finished(state)
    outcomes.states.append(state)


@dataclasses.dataclass(frozen=True)
class _InAir:
    """A job's success sent without waiting, its answer not read yet."""

    lease: Lease
    record: Succeeded
    counted: Callable[[str | None], None]  # counts its end in the metrics


class _Outcomes:
    """The states a bundle's jobs ended in, in their order, and the one success in the
    air when the bundle sends them without waiting (``pipelining``)."""

    def __init__(self, *, worker: str, pipelined: bool) -> None:
        self.worker = worker
        self.states: list[str | None] = []
        self._line = inflight.line() if pipelined else None
        self._in_air: _InAir | None = None

    @property
    def in_air(self) -> bool:
        return self._in_air is not None

    def before_statement(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        """A Django execute wrapper: the answer in the air is read before any statement."""
        self.settle()
        return execute(sql, params, many, context)

    def ended(self, state: str | None) -> None:
        """A job ended (or was not run) without an outcome sent."""
        self.settle()
        self.states.append(state)

    def sent(self, lease: Lease, record: Recorder) -> bool:
        """Send ``record`` without waiting, once the answer in the air is read, if it is
        a success that one statement records; whether it was sent."""
        if self._line is None or not isinstance(record, Succeeded) or record.then is not None:
            return False
        self.settle()
        try:
            if not attempts.send_success(lease, record.result, self._line):
                return False
        except (OperationalError, InterfaceError) as exc:
            # no connection, or it broke while sending: recorded the usual way, then
            log.warning("sending the outcome of job %s failed (%s)", lease.job.pk, exc)
            return False
        self._in_air = _InAir(lease, record, worker_metrics.job_sent())
        return True

    def settle(self) -> None:
        """Read the answer to the success in the air, if any, and count it."""
        if self._in_air is None:
            return
        assert self._line is not None
        in_air, self._in_air = self._in_air, None
        job = in_air.lease.job
        with logs.job_fields(
            job_id=str(job.pk), job_type=job.type, attempt=job.attempts, worker=self.worker
        ):
            state: str | None
            try:
                state = JobState.SUCCEEDED if self._line.answer() == 1 else None
            except (OperationalError, InterfaceError) as exc:
                # whether it committed is unknown: record it again (a compare-and-set)
                log.warning("the answer to job %s's outcome was lost (%s)", job.pk, exc)
                state = with_db_retry(in_air.record, what=f"recording the outcome of job {job.pk}")
        in_air.counted(state)
        self.states.append(state)


def _rate_limited() -> tuple[list[str], list[str]]:
    """The job types and queues under a rate limit now (their jobs are claimed singly)."""
    queues = sorted(settings.CONVEYOR_QUEUE_RATE_LIMITS)
    types = sorted(spec.name for spec in all_job_types() if type_rate(spec) is not None)
    return types, queues


def _job_ids(job_ids: Any) -> list[str]:
    """The message's job ids, malformed ones dropped (and logged)."""
    if not isinstance(job_ids, list):
        log.error("dropping a malformed bundle: %r is not a list of job ids", job_ids)
        return []
    ids = []
    for job_id in job_ids:
        try:
            ids.append(str(UUID(str(job_id))))
        except ValueError:
            log.error("dropping a malformed job id %r from a bundle", job_id)
    return list(dict.fromkeys(ids))
