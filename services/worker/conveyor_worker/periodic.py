"""conveyor's own periodic work, run on the system queue: the dispatcher, the reconciler."""

from __future__ import annotations

import logging

from conveyor.config.celery import DISPATCH_TASK, RECONCILE_TASK, app
from conveyor.core.broker import queue_depth
from conveyor.jobs import lifecycle, reconcile

log = logging.getLogger(__name__)


@app.task(name=DISPATCH_TASK, ignore_result=True, acks_late=False)
def dispatch() -> dict[str, int]:
    """Release due scheduled and retrying jobs; terminate attempts that ignore a cancel."""
    released = lifecycle.release_due()
    terminated = 0
    for job in lifecycle.overdue_cancels():
        if job.message_id:
            try:
                app.control.revoke(str(job.message_id), terminate=True, signal="SIGKILL")
            except Exception:
                log.warning("could not revoke the message of job %s", job.pk, exc_info=True)
        if lifecycle.force_cancelled(job):
            terminated += 1
    if released or terminated:
        log.info(
            "dispatcher: released %d due job(s), terminated %d cancelled attempt(s)",
            released,
            terminated,
        )
    return {"released": released, "terminated": terminated}


@app.task(name=RECONCILE_TASK, ignore_result=True, acks_late=False)
def reconcile_jobs() -> dict[str, int]:
    """Publish again what the broker lost; run again what a vanished worker held."""
    report = reconcile.reconcile(depth_of=queue_depth)
    return {
        "republished": report.republished,
        "rerun": report.rerun,
        "failed": report.failed,
        "cancelled": report.cancelled,
    }
