"""A client's fair share of schedules: how many it may have, how often they may fire.
The limits are the client's own or the platform's (conveyor/clients/limits.py)."""

from __future__ import annotations

from conveyor.clients.limits import limits_of
from conveyor.clients.models import ApiClient
from conveyor.core.errors import InvalidInput, LimitExceeded
from conveyor.schedules import timing
from conveyor.schedules.models import Schedule

#: Retry-After when a client holds its most schedules: only deleting one helps.
SCHEDULES_RETRY_AFTER_SECONDS = 60


def check_schedule_count(*, client: ApiClient) -> None:
    """Refuse (429) one more schedule beyond the client's cap."""
    cap = limits_of(client).max_schedules
    if cap > 0 and Schedule.objects.filter(client=client).values("pk")[:cap].count() >= cap:
        raise LimitExceeded(
            f"This client has reached its limit of {cap} schedules; delete one first.",
            retry_after_seconds=SCHEDULES_RETRY_AFTER_SECONDS,
        )


def check_interval(*, client: ApiClient, when: timing.Timing) -> None:
    """Refuse (400, field ``interval_seconds``) an interval shorter than the client's
    minimum. (A cron expression fires at most once a minute.)"""
    if not isinstance(when, timing.Interval):
        return
    least = int(limits_of(client).min_schedule_interval.total_seconds())
    if when.seconds < least:
        raise InvalidInput(
            "interval_seconds is too short.",
            errors=[
                {
                    "field": "interval_seconds",
                    "message": f"At least {least} seconds.",
                    "code": "min_value",
                }
            ],
        )
