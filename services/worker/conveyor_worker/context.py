"""What a running handler sees (``JobContext``) and the thread that keeps its lease.

One keeper thread per worker process renews the lease of the job it runs and notices a
cancel. A job that ends within a second costs it nothing: no query, no thread start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections

from conveyor.core import database
from conveyor.jobs.states import JobState
from conveyor.jobs.types import JobCancelled
from conveyor.workflows.spawning import Spawns
from conveyor_worker import attempts
from conveyor_worker.attempts import Lease

log = logging.getLogger(__name__)

CHECK_INTERVAL_SECONDS = 1.0
PROGRESS_MIN_INTERVAL_SECONDS = 0.5


class _JobLogAdapter(logging.LoggerAdapter[logging.Logger]):
    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        return f"[job {self.extra['job_id'] if self.extra else '?'}] {msg}", kwargs


class RunContext:
    """The ``JobContext`` of one attempt."""

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        self.job_id = str(lease.job.pk)
        self.attempt = lease.job.attempts
        self.log: logging.LoggerAdapter[logging.Logger] = _JobLogAdapter(
            logging.getLogger("conveyor.job"), {"job_id": self.job_id}
        )
        self._cancel = threading.Event()
        self.lease_lost = False
        self._last_progress = 0.0
        self.started = time.monotonic()
        self.last_checked = self.started
        self.last_renewed = self.started
        #: What the handler spawned: stored with the attempt's success, else dropped.
        self.spawns = Spawns(parent=lease.job)

    def progress(self, percent: float, message: str = "") -> None:
        percent = max(0.0, min(100.0, float(percent)))
        now = time.monotonic()
        if percent < 100 and now - self._last_progress < PROGRESS_MIN_INTERVAL_SECONDS:
            return
        self._last_progress = now
        try:
            attempts.record_progress(self.lease, percent, message)
        except (OperationalError, InterfaceError) as exc:  # progress is not worth failing for
            self.log.warning("progress not recorded (database unavailable): %s", exc)
            database.connection().close()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def raise_if_cancelled(self) -> None:
        if self._cancel.is_set():
            raise JobCancelled(f"job {self.job_id} was cancelled")

    def sleep(self, seconds: float) -> None:
        if self._cancel.wait(max(0.0, seconds)):
            raise JobCancelled(f"job {self.job_id} was cancelled")

    def spawn(
        self,
        name: str,
        type: str,
        params: Mapping[str, Any] | None = None,
        *,
        depends_on: Sequence[str] = (),
        results_param: str = "",
        on_dependency_failure: str = "cancel",
        **options: Any,
    ) -> None:
        self.spawns.add(
            name,
            type,
            params,
            depends_on=depends_on,
            results_param=results_param,
            on_dependency_failure=on_dependency_failure,
            **options,
        )

    def request_cancel(self, *, lease_lost: bool = False) -> None:
        self.lease_lost = self.lease_lost or lease_lost
        self._cancel.set()


class LeaseKeeper:
    """Renews the leases of this process's running attempts and relays cancels to them."""

    def __init__(self) -> None:
        self._running: dict[str, RunContext] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def watch(self, ctx: RunContext) -> None:
        with self._lock:
            self._running[ctx.job_id] = ctx
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="lease-keeper", daemon=True)
                self._thread.start()

    def unwatch(self, ctx: RunContext) -> None:
        with self._lock:
            self._running.pop(ctx.job_id, None)

    def _loop(self) -> None:
        renew_every = settings.CONVEYOR_LEASE.total_seconds() / 3
        # Whether this thread holds a database connection: given back once nothing is
        # watched, so an idle worker keeps one connection per process, not two (and a
        # test database can be dropped while the thread sleeps).
        connected = False
        while True:
            time.sleep(CHECK_INTERVAL_SECONDS / 4)
            with self._lock:
                idle = not self._running
                due = [
                    c
                    for c in self._running.values()
                    if time.monotonic() - c.last_checked >= CHECK_INTERVAL_SECONDS
                ]
            if idle and connected:
                database.connection().close()
                connected = False
            for ctx in due:
                connected = True
                try:
                    self._check(ctx, renew_every)
                except Exception:
                    log.warning(
                        "lease check of job %s failed; will retry", ctx.job_id, exc_info=True
                    )
                    close_old_connections()

    def _check(self, ctx: RunContext, renew_every: float) -> None:
        now = time.monotonic()
        ctx.last_checked = now
        token = ctx.lease.token
        job_id = ctx.lease.job.pk
        if now - ctx.last_renewed >= renew_every:
            state = attempts.renew_lease(job_id, token)
            ctx.last_renewed = now
        else:
            state = attempts.leased_state(job_id, token)
        if state is None:
            log.warning("job %s: this attempt lost its lease; stopping it", ctx.job_id)
            ctx.request_cancel(lease_lost=True)
        elif state == JobState.CANCELLING:
            ctx.request_cancel()


_keeper: LeaseKeeper | None = None


def keeper() -> LeaseKeeper:
    """This process's keeper (created after fork, in the process that runs jobs)."""
    global _keeper
    if _keeper is None:
        _keeper = LeaseKeeper()
    return _keeper
