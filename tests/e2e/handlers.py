"""Handlers of the job types only the end-to-end tests declare (``tests/e2e/jobtypes.py``)."""

from __future__ import annotations

import gc
import os
import time

from celery.exceptions import SoftTimeLimitExceeded

from conveyor.jobs.types import JobContext, NoParams
from conveyor_worker.registry import handler
from tests.e2e.jobtypes import NEWCOMER, SHARING, STUBBORN, StubbornParams


@handler(NEWCOMER)
def newcomer(ctx: JobContext, params: NoParams) -> dict[str, str]:
    """Says which attempt ran it."""
    return {"ran": ctx.job_id}


@handler(STUBBORN)
def stubborn(ctx: JobContext, params: StubbornParams) -> None:
    """Swallows its soft time limit, as a handler with a broad ``except`` would, so only
    the hard limit (the pool process killed) stops it."""
    deadline = time.monotonic() + params.seconds
    while time.monotonic() < deadline:
        try:
            time.sleep(0.05)
        except SoftTimeLimitExceeded:
            continue


@handler(SHARING)
def sharing(ctx: JobContext, params: NoParams) -> dict[str, int]:
    """Says which pool process ran it, and how many objects the main process froze before
    forking it (``conveyor_worker/sharing.py``): they stay shared with the main process."""
    return {"pid": os.getpid(), "frozen": gc.get_freeze_count()}
