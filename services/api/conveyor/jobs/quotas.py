"""A client's fair share of jobs: how many it may have unfinished, how far ahead they
may be due. The limits are the client's own or the platform's (conveyor/clients/limits.py).
"""

from __future__ import annotations

from datetime import datetime

from conveyor.clients.limits import limits_of
from conveyor.clients.models import ApiClient
from conveyor.core.errors import InvalidInput, LimitExceeded
from conveyor.jobs.models import Job
from conveyor.jobs.states import FINAL_STATES

#: Retry-After when a client holds its most unfinished jobs: about when some will have
#: finished. A guess, as any is: the client's own jobs decide.
UNFINISHED_RETRY_AFTER_SECONDS = 30


def check_unfinished_jobs(*, client: ApiClient, adding: int) -> None:
    """Refuse (429) ``adding`` more jobs when they would take the client beyond its cap.

    The count is bounded (it stops at the cap) and uses the partial index on the
    client's unfinished jobs. Concurrent submissions of one client may each pass the
    check: the cap can be overshot by what those requests add, no more.
    """
    cap = limits_of(client).max_unfinished_jobs
    if cap <= 0:
        return
    if adding > cap:
        raise LimitExceeded(
            f"{adding} jobs are more than this client's limit of {cap} unfinished jobs.",
            retry_after_seconds=UNFINISHED_RETRY_AFTER_SECONDS,
        )
    unfinished = (
        Job.objects.filter(client=client)
        .exclude(state__in=FINAL_STATES)
        .values("pk")[: cap - adding + 1]
        .count()
    )
    if unfinished + adding > cap:
        raise LimitExceeded(
            f"This client has reached its limit of {cap} unfinished jobs; "
            "submit more once some have finished.",
            retry_after_seconds=UNFINISHED_RETRY_AFTER_SECONDS,
        )


def check_run_at(*, client: ApiClient, run_at: datetime | None, now: datetime) -> None:
    """Refuse (400, field ``run_at``) a job due beyond the client's horizon."""
    if run_at is None:
        return
    horizon = limits_of(client).run_at_horizon
    if run_at - now > horizon:
        days = horizon.total_seconds() / 86400
        raise InvalidInput(
            "run_at is too far ahead.",
            errors=[
                {
                    "field": "run_at",
                    "message": f"At most {days:g} days ahead (run_at or delay_seconds).",
                    "code": "max_value",
                }
            ],
        )
