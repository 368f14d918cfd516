"""``fire_schedule(schedule_id)``: beat's message for a schedule; fires the run that is due.

Beat only says "about now"; ``conveyor.schedules.services.schedule_fire`` works out which
due instant that is and fires it once (a unique key), so two beats, a redelivered message
or a late one never submit a run twice.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from conveyor.config.celery import app
from conveyor.config.tasks import FIRE_SCHEDULE_TASK
from conveyor.schedules.services import schedule_fire
from conveyor_worker.dbretry import with_db_retry

log = logging.getLogger(__name__)


@app.task(name=FIRE_SCHEDULE_TASK, ignore_result=True)
def fire_schedule(schedule_id: Any) -> str | None:
    """The id of the job submitted, or None (not due, already fired, gone, disabled)."""
    try:
        UUID(str(schedule_id))
    except ValueError:
        log.error("dropping a malformed message: schedule id %r is not a UUID", schedule_id)
        return None
    run = with_db_retry(
        lambda: schedule_fire(schedule_id=str(schedule_id)),
        what=f"firing schedule {schedule_id}",
    )
    return None if run is None or run.job_id is None else str(run.job_id)
