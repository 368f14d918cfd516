"""A client's fair share: its own limits where set on its row, else the platform's.

The limits themselves are enforced where what they limit happens: the request throttle
in ``conveyor/clients/throttling.py``, the unfinished-jobs cap and the ``run_at``
horizon in ``conveyor/jobs/quotas.py``, the running-jobs cap in the worker's
``conveyor_worker/admission.py``, the schedule cap and minimum interval in
``conveyor/schedules/quotas.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from conveyor.clients.models import ApiClient


@dataclass(frozen=True)
class Limits:
    """One client's limits in force. A cap of 0 means no limit."""

    throttle_rate: str
    max_unfinished_jobs: int
    max_running_jobs: int
    max_schedules: int
    min_schedule_interval: timedelta
    run_at_horizon: timedelta


def limits_of(client: ApiClient) -> Limits:
    """The client's limits: its own where set, else the platform's defaults."""
    return Limits(
        throttle_rate=client.throttle_rate or settings.CONVEYOR_THROTTLE_RATE,
        max_unfinished_jobs=(
            settings.CONVEYOR_MAX_UNFINISHED_JOBS
            if client.max_unfinished_jobs is None
            else client.max_unfinished_jobs
        ),
        max_running_jobs=running_cap(client.max_running_jobs),
        max_schedules=(
            settings.CONVEYOR_MAX_SCHEDULES
            if client.max_schedules is None
            else client.max_schedules
        ),
        min_schedule_interval=(
            timedelta(seconds=client.min_schedule_interval_seconds)
            if client.min_schedule_interval_seconds
            else settings.CONVEYOR_MIN_SCHEDULE_INTERVAL
        ),
        run_at_horizon=(
            timedelta(days=client.run_at_horizon_days)
            if client.run_at_horizon_days
            else settings.CONVEYOR_RUN_AT_HORIZON
        ),
    )


def running_cap(own: int | None) -> int:
    """A client's cap on its running jobs from its own value (None: the platform's)."""
    return settings.CONVEYOR_MAX_RUNNING_JOBS_PER_CLIENT if own is None else own
