"""Retention of workflows: a finished workflow older than ``CONVEYOR_JOB_RETENTION_DAYS``
is deleted with its jobs (their steps, dependencies and attempts go with them).

The jobs' own retention (``jobs/retention.py``) leaves a workflow's jobs alone: one of a
running workflow may have finished long ago and still be waited for (its result is a
fan-in's input), so they go with their workflow, when it has finished.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from conveyor.core import database
from conveyor.jobs.models import Job
from conveyor.workflows.models import Workflow, WorkflowState


def delete_finished(*, older_than: timedelta, now: datetime, batch_size: int) -> int:
    """Delete workflows that finished before ``now - older_than``, with their jobs, a few
    workflows per transaction (at most ``batch_size`` jobs, but one workflow at least).
    How many jobs were deleted."""
    finished = Workflow.objects.exclude(state=WorkflowState.RUNNING).filter(
        finished_at__lt=now - older_than
    )
    deleted = 0
    while True:
        with transaction.atomic(using=database.alias()):
            workflow = finished.order_by("finished_at").select_for_update(skip_locked=True).first()
            if workflow is None:
                return deleted
            while True:
                ids = list(
                    Job.objects.filter(workflow_id=workflow.pk).values_list("pk", flat=True)[
                        :batch_size
                    ]
                )
                if not ids:
                    break
                _, per_model = Job.objects.filter(pk__in=ids).delete()
                deleted += per_model.get(Job._meta.label, 0)
            workflow.delete()
