"""Job types only the end-to-end tests register (``CONVEYOR_JOB_TYPE_MODULES``)."""

from __future__ import annotations

import time
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from pydantic import Field

from conveyor.jobs.types import JobContext, JobParams, job_type


class StubbornParams(JobParams):
    seconds: float = Field(ge=0, le=60)


@job_type("test.stubborn", params=StubbornParams, time_limit=timedelta(minutes=1))
def stubborn(ctx: JobContext, params: StubbornParams) -> None:
    """Swallows its soft time limit, as a handler with a broad ``except`` would, so only
    the hard limit (the pool process killed) stops it."""
    deadline = time.monotonic() + params.seconds
    while time.monotonic() < deadline:
        try:
            time.sleep(0.05)
        except SoftTimeLimitExceeded:
            continue
