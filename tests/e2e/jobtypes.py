"""Job type specs only the end-to-end tests declare (``CONVEYOR_JOB_TYPE_MODULES``); their
handlers are in ``tests/e2e/handlers.py`` (``CONVEYOR_HANDLER_MODULES``)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from conveyor.jobs.types import JobParams, job_type


class StubbornParams(JobParams):
    seconds: float = Field(ge=0, le=60)


STUBBORN = job_type(
    "test.stubborn",
    params=StubbornParams,
    time_limit=timedelta(minutes=1),
    description="Swallows its soft time limit: only the hard limit stops it.",
)
