"""Job type specs only the end-to-end tests declare (``CONVEYOR_JOB_TYPE_MODULES``); their
handlers are in ``tests/e2e/handlers.py`` (``CONVEYOR_HANDLER_MODULES``)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from conveyor.jobs.types import JobParams, job_type


class StubbornParams(JobParams):
    seconds: float = Field(ge=0, le=60)


# A job type of the next release: the API knows it before the workers do.
NEWCOMER = job_type(
    "test.newcomer",
    time_limit=timedelta(minutes=1),
    description="Returns at once; only the workers of the next release handle it.",
)

# A job type no worker ever handles.
ORPHAN = job_type(
    "test.orphan",
    time_limit=timedelta(minutes=1),
    description="Declared, with no handler anywhere.",
)

STUBBORN = job_type(
    "test.stubborn",
    params=StubbornParams,
    time_limit=timedelta(minutes=1),
    description="Swallows its soft time limit: only the hard limit stops it.",
)

# What the pool process that runs it shares with the worker's main process.
SHARING = job_type(
    "test.sharing",
    time_limit=timedelta(minutes=1),
    description="Reports its pool process and the objects frozen there before the fork.",
)
