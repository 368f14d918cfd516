"""conveyor's own periodic work, run on the system queue: the dispatcher, the reconciler,
retention."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from conveyor.config.celery import app
from conveyor.config.tasks import DISPATCH_TASK, RECONCILE_TASK, RETENTION_TASK
from conveyor.core.broker import queue_depth
from conveyor.jobs import retention
from conveyor.queues.workers import delete_gone as forget_gone_workers
from conveyor.ratelimits.limits import forget_abandoned_limits
from conveyor.workflows import retention as workflow_retention
from conveyor_worker import deliveries, dispatcher, metrics, reconcile

log = logging.getLogger(__name__)

#: How long the row of a worker that stopped reporting is kept (it is left out of
#: GET /v1/workers long before): a killed worker cannot remove its own.
GONE_WORKER_KEPT = timedelta(days=1)


@app.task(name=DISPATCH_TASK, ignore_result=True, acks_late=False)
def dispatch() -> dict[str, int]:
    """Release due scheduled and retrying jobs; terminate attempts that ignore a cancel;
    send due webhook deliveries."""
    released = dispatcher.release_due()
    terminated = 0
    for job in dispatcher.overdue_cancels():
        if job.message_id:
            try:
                app.control.revoke(str(job.message_id), terminate=True, signal="SIGKILL")
            except Exception:
                log.warning("could not revoke the message of job %s", job.pk, exc_info=True)
        if dispatcher.force_cancelled(job):
            terminated += 1
    # Webhook deliveries due: retries, and any whose message was lost or whose attempt's
    # worker vanished (conveyor_worker/deliveries.py).
    webhooks_sent = deliveries.release_due_deliveries()
    if released or terminated or webhooks_sent:
        log.info(
            "dispatcher: released %d due job(s), terminated %d cancelled attempt(s), "
            "sent %d due webhook(s)",
            released,
            terminated,
            webhooks_sent,
        )
    return {"released": released, "terminated": terminated, "webhooks": webhooks_sent}


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


@app.task(name=RETENTION_TASK, ignore_result=True, acks_late=False)
def run_retention() -> dict[str, int]:
    """Delete finished jobs past their retention, expired idempotency keys and the rows of
    rate limits no longer in force."""
    report = retention.run()
    now = timezone.now()
    workflow_jobs = 0
    if settings.CONVEYOR_JOB_RETENTION is not None:
        workflow_jobs = workflow_retention.delete_finished(
            older_than=settings.CONVEYOR_JOB_RETENTION,
            now=now,
            batch_size=settings.CONVEYOR_RETENTION_BATCH_SIZE,
        )
    rate_limit_rows = forget_abandoned_limits(now=now)
    # workers that stopped reporting a day ago (killed: a clean stop removes its own row)
    forget_gone_workers(older_than=now - GONE_WORKER_KEPT)
    if rate_limit_rows:
        log.info("retention: deleted %d row(s) of rate limits no longer in force", rate_limit_rows)
    metrics.retention_deleted(
        jobs=report.jobs + workflow_jobs,
        idempotency_keys=report.idempotency_keys,
        rate_limit_rows=rate_limit_rows,
    )
    return {
        "jobs": report.jobs + workflow_jobs,
        "idempotency_keys": report.idempotency_keys,
        "rate_limit_rows": rate_limit_rows,
    }
