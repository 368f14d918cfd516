"""A warm shutdown with a deadline: SIGTERM lets running jobs finish, within a grace period.

Celery's warm shutdown stops fetching and waits for running tasks, however long they
take. Kubernetes will not wait forever, so when ``CONVEYOR_SHUTDOWN_GRACE_SECONDS`` has
passed, the jobs still running are handed back (queued again, as a new attempt, with a
fresh message) and their pool processes are terminated. The worker then exits 0, and no
job waits for a broker redelivery timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery.signals import worker_ready, worker_shutting_down
from celery.worker import state
from django.conf import settings

from conveyor_worker import attempts
from conveyor_worker.dbretry import with_db_retry

log = logging.getLogger(__name__)


class ShutdownDeadline:
    def __init__(self) -> None:
        self.consumer: Any = None
        self.started = False

    def on_ready(self, sender: Any = None, **kwargs: Any) -> None:
        self.consumer = sender

    def on_shutting_down(self, how: str = "", **kwargs: Any) -> None:
        if how != "Warm" or self.started:
            return
        self.started = True
        grace = settings.CONVEYOR_SHUTDOWN_GRACE.total_seconds()
        threading.Thread(
            target=self._enforce, args=(grace,), name="shutdown-deadline", daemon=True
        ).start()

    def _enforce(self, grace: float) -> None:
        deadline = time.monotonic() + grace
        while state.active_requests and time.monotonic() < deadline:
            time.sleep(0.1)
        requests = list(state.active_requests)
        if not requests:
            return
        log.warning(
            "shutdown grace of %.0fs is over; handing %d running job(s) back to the queue",
            grace,
            len(requests),
        )
        for request in requests:
            job_id = request.args[0] if request.args else None
            if isinstance(job_id, list):  # a bundle: its running job and its unstarted ones
                try:
                    release_bundle(str(request.id))
                except Exception:
                    log.exception(
                        "could not release bundle %s; its leases will lapse and the "
                        "reconciler will run its jobs again",
                        request.id,
                    )
            elif job_id is not None:
                try:
                    release(str(job_id), str(request.id))
                except Exception:
                    log.exception(
                        "could not release job %s; its lease will lapse and the "
                        "reconciler will run it again",
                        job_id,
                    )
            pool = getattr(self.consumer, "pool", None)
            if pool is not None:
                request.terminate(pool, signal="SIGKILL")


def release(job_id: str, message_id: str) -> None:
    with_db_retry(
        lambda: attempts.release_interrupted(job_id, message_id), what=f"releasing job {job_id}"
    )


def release_bundle(message_id: str) -> None:
    """Hand back a bundle cut short: the job it runs as an interrupted attempt, the ones it
    has not started as they were (``bundles.py``)."""
    leases = with_db_retry(
        lambda: attempts.bundle_leases(message_id), what=f"finding the jobs of bundle {message_id}"
    )
    if not leases:
        return
    running, *unstarted = leases
    release(str(running.job.pk), message_id)
    if unstarted:
        with_db_retry(
            lambda: attempts.return_unstarted(unstarted),
            what=f"giving back the unstarted jobs of bundle {message_id}",
        )


deadline = ShutdownDeadline()


def install() -> None:
    worker_ready.connect(deadline.on_ready, weak=False)
    worker_shutting_down.connect(deadline.on_shutting_down, weak=False)
