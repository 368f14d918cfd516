"""The names of conveyor's Celery tasks, written once.

The Celery app's importers publish and register tasks by these names
(``conveyor/config/celery.py`` is the app); the settings route them and schedule them
(``config/settings/components/celery.py``) without importing the app.
"""

from __future__ import annotations

# The one task that runs every job; the API publishes it by name, so it never imports
# the worker's code.
EXECUTE_JOB_TASK = "conveyor.execute_job"
# The same for a bundle: one message, its one argument a list of job ids (POST
# /v1/jobs/batch publishes these; conveyor_worker/bundles.py runs them).
EXECUTE_BUNDLE_TASK = "conveyor.execute_bundle"
# Sent by beat: releases due jobs, terminates overrun cancels, sends due webhooks.
DISPATCH_TASK = "conveyor.dispatch"
# Sent by beat: publishes again what the broker lost, runs again what a lost worker held.
RECONCILE_TASK = "conveyor.reconcile"
# Sent by beat: deletes finished jobs past their retention (docs/retention.md).
RETENTION_TASK = "conveyor.retention"
# Sent by beat for each schedule (its id the one argument): fires the run that is due.
FIRE_SCHEDULE_TASK = "conveyor.fire_schedule"
# Sends one webhook delivery (conveyor/webhooks), on the system queue.
DELIVER_WEBHOOK_TASK = "conveyor.deliver_webhook"

# conveyor's own tasks, which run on the system queue (CONVEYOR_SYSTEM_QUEUE), never
# behind user jobs.
SYSTEM_TASKS = (
    DISPATCH_TASK,
    RECONCILE_TASK,
    RETENTION_TASK,
    FIRE_SCHEDULE_TASK,
    DELIVER_WEBHOOK_TASK,
)
