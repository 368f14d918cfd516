"""``execute_job(job_id)``: load the job, claim it, run its handler, record the outcome.

The one Celery task for every job. Its message carries the job id only; everything else
is read from the Job row, and every outcome is a compare-and-set on the attempt's lease,
so duplicate or late messages are harmless.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from billiard.einfo import ExceptionInfo
from celery import Task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.utils import timezone
from pydantic import ValidationError

from conveyor.config.celery import app
from conveyor.config.tasks import EXECUTE_JOB_TASK
from conveyor.core import database, logs
from conveyor.core.tracing import RunSpan
from conveyor.jobs.models import Job
from conveyor.jobs.states import JobState
from conveyor.jobs.types import JobCancelled, JobType, PermanentError
from conveyor_worker import attempts, tracing
from conveyor_worker import metrics as worker_metrics
from conveyor_worker.admission import Deferred, claim_within_limits
from conveyor_worker.attempts import Failure, Lease
from conveyor_worker.context import RunContext, keeper
from conveyor_worker.dbretry import with_db_retry
from conveyor_worker.registry import Registered, get_handler

log = logging.getLogger(__name__)


class JobTask(Task):  # type: ignore[type-arg]
    """Records a hard time limit, which kills the child before it can record anything."""

    def on_failure(
        self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: ExceptionInfo
    ) -> None:
        if isinstance(exc, TimeLimitExceeded) and args and isinstance(args[0], list):
            _bundle_killed(task_id, exc)
        elif isinstance(exc, TimeLimitExceeded) and args:
            failure = Failure(
                type="TimeLimitExceeded",
                message=f"killed at its hard time limit ({exc})",
                path=_path_of(exc),
            )
            ended = with_db_retry(
                lambda: attempts.record_hard_timeout(str(args[0]), task_id, failure),
                what=f"recording the hard time limit of job {args[0]}",
            )
            if ended is not None:
                worker_metrics.job_killed(ended, JobState.FAILED)


def _bundle_killed(message_id: str, exc: TimeLimitExceeded) -> None:
    """A bundle's process was killed at the message's hard time limit: the job it was
    running (the first one the message still holds) fails; the ones after it never
    started and are given back."""
    leases = with_db_retry(
        lambda: attempts.bundle_leases(message_id),
        what=f"finding the jobs of bundle {message_id}",
    )
    if not leases:
        return
    failure = Failure(
        type="TimeLimitExceeded",
        message=f"killed at its hard time limit ({exc})",
        path=_path_of(exc),
    )
    running, *unstarted = leases
    if with_db_retry(
        lambda: attempts.record_failure(running, failure, timed_out=True),
        what=f"recording the hard time limit of job {running.job.pk}",
    ):
        worker_metrics.job_killed(running, JobState.FAILED)
    if unstarted:
        with_db_retry(
            lambda: attempts.return_unstarted(unstarted),
            what=f"giving back the unstarted jobs of bundle {message_id}",
        )


@app.task(
    name=EXECUTE_JOB_TASK,
    bind=True,
    base=JobTask,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def execute_job(self: Task, job_id: Any) -> None:  # type: ignore[type-arg]
    state = run_job(job_id, message_id=self.request.id, worker=self.request.hostname or "worker")
    worker_metrics.job_finished(state)


def run_job(job_id: Any, *, message_id: str | None, worker: str) -> str | None:
    """Run one attempt of the job; the state it ended in, or None if it was not run."""
    try:
        UUID(str(job_id))
    except ValueError:
        log.error("dropping a malformed message: job id %r is not a UUID", job_id)
        return None
    claimed_ns = time.time_ns()  # the run span starts with the claim
    lease = _claim(str(job_id), worker=worker, message_id=message_id)
    if isinstance(lease, Deferred):
        log.info("job %s put off until %s by %s", job_id, lease.run_at.isoformat(), lease.reason())
        if lease.client_cap is None:
            worker_metrics.job_rate_limited(type=lease.type, queue=lease.queue)
        else:
            worker_metrics.job_client_capped(queue=lease.queue)
        return None
    if lease is None:
        log.info(
            "job %s is not queued (finished, running elsewhere or gone); message dropped", job_id
        )
        return None
    registered = get_handler(lease.job.type)
    if registered is None:
        return with_db_retry(lambda: _unhandled(lease), what=f"handing back job {job_id}")
    with observed(lease, worker=worker, claimed_ns=claimed_ns) as span:
        worker_metrics.job_started(lease)
        record = _attempt(lease, registered)
        state = with_db_retry(record, what=f"recording the outcome of job {job_id}")
        span.outcome(state)
    return state


# How long a message whose job's row is not there is asked about again before it is
# dropped: a submission publishes while its row is inserted (``jobs/services.py``), so a
# worker can see the message a moment before the row. A row committed later than this
# is queued without a message, and the reconciler sends it one.
UNSEEN_JOB_WAIT_SECONDS = 1.0


def _claim(job_id: str, *, worker: str, message_id: str | None) -> Lease | Deferred | None:
    """The job's claim (``claim_within_limits``), asked again while its row is not
    visible yet, up to ``UNSEEN_JOB_WAIT_SECONDS``; once the row is seen, one more claim
    is the answer (the row may have come between the claim and the look)."""
    deadline = time.monotonic() + UNSEEN_JOB_WAIT_SECONDS
    pause = 0.001
    seen = False
    while True:
        lease = with_db_retry(
            lambda: claim_within_limits(job_id, worker=worker, message_id=message_id),
            what=f"claiming job {job_id}",
        )
        if lease is not None or seen:
            return lease
        seen = with_db_retry(
            lambda: Job.objects.using(database.alias()).filter(pk=job_id).exists(),
            what=f"looking for job {job_id}",
        )
        if not seen:
            if time.monotonic() + pause > deadline:
                return None
            time.sleep(pause)
            pause = min(pause * 2, 0.05)


@contextmanager
def observed(lease: Lease, *, worker: str, claimed_ns: int | None = None) -> Iterator[RunSpan]:
    """What an attempt logs carries the job's fields (core/logs.py), and it runs in a span
    of the job's trace (conveyor_worker/tracing.py)."""
    job = lease.job
    with (
        logs.job_fields(job_id=str(job.pk), job_type=job.type, attempt=job.attempts, worker=worker),
        tracing.run_span(lease, worker=worker, claimed_ns=claimed_ns) as span,
    ):
        yield span


def _unhandled(lease: Lease) -> str | None:
    """This worker has no handler for the job's type: give the job back without using an
    attempt, for a worker that has one (a rolling deploy), until
    ``CONVEYOR_UNHANDLED_TYPE_GRACE`` after its submission; then it fails."""
    job = lease.job
    now = timezone.now()
    grace: timedelta = settings.CONVEYOR_UNHANDLED_TYPE_GRACE
    if now - job.created_at >= grace:
        log.warning(
            "job %s: no worker ran job type %r within %s; failing it", job.pk, job.type, grace
        )
        failure = Failure(
            type="UnknownJobType",
            message=f"no worker had a handler for job type {job.type!r} within "
            f"{grace.total_seconds():g} s of its submission "
            "(CONVEYOR_UNHANDLED_TYPE_GRACE_SECONDS); deploy workers that handle it "
            "(CONVEYOR_HANDLER_MODULES), then retry the job",
        )
        worker_metrics.job_started(lease)
        return _failed(attempts.record_failure(lease, failure))
    run_at = now + settings.CONVEYOR_HAND_BACK_DELAY
    if not attempts.hand_back(lease, run_at=run_at, now=now):
        # the job is being cancelled: end the cancel here
        return JobState.CANCELLED if attempts.record_cancelled(lease) else None
    log.info(
        "job %s: this worker has no handler for job type %r; handed back until %s",
        job.pk,
        job.type,
        run_at.isoformat(),
    )
    worker_metrics.job_handed_back(type=job.type, queue=job.queue)
    return None


# How to record what an attempt came to: called outside the attempt, with retries; the
# state the job ended in, or None if the attempt no longer held it.
Recorder = Callable[[], "str | None"]


def _attempt(
    lease: Lease,
    registered: Registered,
    *,
    ctx: RunContext | None = None,
    own_time_limit: bool = False,
    ready: Callable[[], None] | None = None,
) -> Recorder:
    """Run the handler; how to record what happened (recorded outside, with retries).

    ``ctx``: the attempt's context when it is already made (and watched: a bundle's);
    ``own_time_limit``: the job's soft time limit is enforced here, not by the message's
    (a bundle's message carries several jobs); ``ready``: called just before the handler
    runs (a bundle reads the answer to the previous job's outcome then)."""
    try:
        params = registered.spec.params.model_validate(lease.job.params)
    except ValidationError as exc:
        invalid = Failure(type="InvalidParams", message=str(exc))
        return lambda: _failed(attempts.record_failure(lease, invalid))
    if ready is not None:
        ready()
    return _run(lease, registered, params, ctx=ctx, own_time_limit=own_time_limit)


def _run(
    lease: Lease,
    registered: Registered,
    params: Any,
    *,
    ctx: RunContext | None = None,
    own_time_limit: bool = False,
) -> Recorder:
    ctx = ctx or RunContext(lease)
    keeper().watch(ctx)
    try:
        with soft_time_limit(lease.job.timeout_seconds if own_time_limit else None):
            result = registered.function(ctx, params)
        _check_json(result)
    except JobCancelled:
        if ctx.lease_lost:
            return lambda: None
        return lambda: "cancelled" if attempts.record_cancelled(lease) else None
    except SoftTimeLimitExceeded as exc:
        timed_out = Failure(
            type="TimeLimitExceeded",
            message=f"the job exceeded its time limit of {lease.job.timeout_seconds} s",
            traceback=traceback.format_exc(),
            path=_path_of(exc),
        )
        return lambda: _failed(attempts.record_failure(lease, timed_out, timed_out=True))
    except Exception as exc:
        return _error_recorder(lease, registered.spec, exc)
    finally:
        keeper().unwatch(ctx)
    spawns = ctx.spawns
    return Succeeded(lease, result, spawns.store if spawns.made else None)


@dataclass(frozen=True)
class Succeeded:
    """The handler returned ``result``: a Recorder of the success, which a bundle may
    send without waiting instead (``bundles``, ``pipelining``) when there is nothing to
    do ``then`` (the handler's spawns, stored with it)."""

    lease: Lease
    result: Any
    then: Callable[[], None] | None

    def __call__(self) -> str | None:
        won = attempts.record_success(self.lease, self.result, then=self.then)
        return JobState.SUCCEEDED if won else None


def _error_recorder(lease: Lease, spec: JobType, exc: Exception) -> Recorder:
    failure = Failure(
        type=type(exc).__name__,
        message=str(exc) or repr(exc),
        traceback=traceback.format_exc(),
        path=_path_of(exc),
    )
    made = lease.job.attempts
    if spec.retry.retries(exc) and made < lease.job.max_attempts:
        delay = spec.retry.delay(made)
        log.info(
            "job %s attempt %d failed (%s); retrying in %.1f s",
            lease.job.pk,
            made,
            failure.type,
            delay.total_seconds(),
        )
        return lambda: attempts.record_retry(lease, failure, delay=delay)
    log.info("job %s failed after %d attempt(s): %s", lease.job.pk, made, failure.type)
    return lambda: _failed(attempts.record_failure(lease, failure))


@contextmanager
def soft_time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ``SoftTimeLimitExceeded`` in the block after ``seconds``, as Celery's soft time
    limit does for a whole message (a bundle's job has one of its own). A SIGALRM timer,
    so only in a process's main thread (the prefork pool's children run tasks there);
    elsewhere the message's limit is the only one."""
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise SoftTimeLimitExceeded(f"soft time limit ({seconds:g} s) exceeded")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _path_of(exc: BaseException) -> str:
    """The exception's class as a module path (``builtins.ValueError``)."""
    return f"{type(exc).__module__}.{type(exc).__qualname__}"


def _failed(recorded: bool) -> str | None:
    return "failed" if recorded else None


class ResultNotJSONError(PermanentError):
    """A handler returned something that cannot be stored as JSON."""


def _check_json(result: Any) -> None:
    try:
        encoded = json.dumps(result)
    except (TypeError, ValueError) as exc:
        raise ResultNotJSONError(f"the handler's result is not JSON-serializable: {exc}") from None
    if "\\u0000" in encoded:
        raise ResultNotJSONError(
            "the handler's result contains a NUL character, which cannot "
            "be stored; encode binary data (e.g. base64)"
        )
