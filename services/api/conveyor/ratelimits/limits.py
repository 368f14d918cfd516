"""Which rate limits apply to a job: its job type's and its queue's.

A job type's limit is ``CONVEYOR_TYPE_RATE_LIMITS[name]`` when that names it (``none``
lifts the limit), else the ``rate_limit`` its spec declares (``jobs/types.py``). A queue's limit is
``CONVEYOR_QUEUE_RATE_LIMITS[queue]``. Both apply when both are set.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from conveyor.core.rates import Rate
from conveyor.jobs.types import all_job_types, get_job_type, queue_rate, type_rate
from conveyor.ratelimits.limiter import Limit, forget_abandoned


def type_key(name: str) -> str:
    return f"type:{name}"


def queue_key(queue: str) -> str:
    return f"queue:{queue}"


def limits_for(*, type_name: str, queue: str) -> list[Limit]:
    """The limits a job of ``type_name`` on ``queue`` starts under (none: unlimited)."""
    limits = []
    spec = get_job_type(type_name)
    rate = type_rate(spec) if spec is not None else None
    if rate is not None:
        limits.append(Limit(key=type_key(type_name), rate=rate))
    rate = queue_rate(queue)
    if rate is not None:
        limits.append(Limit(key=queue_key(queue), rate=rate))
    return limits


def any_limits() -> bool:
    """Whether any queue or job type is limited (if not, workers skip the check)."""
    return bool(settings.CONVEYOR_QUEUE_RATE_LIMITS) or any(
        type_rate(spec) is not None for spec in all_job_types()
    )


def keys_in_force() -> set[str]:
    """The keys of every limit the settings and job types put in force now."""
    types = {type_key(spec.name) for spec in all_job_types() if type_rate(spec) is not None}
    queues: dict[str, Rate] = settings.CONVEYOR_QUEUE_RATE_LIMITS
    return types | {queue_key(queue) for queue in queues}


def forget_abandoned_limits(*, now: datetime) -> int:
    """Retention's part for rate limits: delete the rows of limits no longer in force
    (``limiter.forget_abandoned``); the number of rows deleted."""
    return forget_abandoned(in_force=keys_in_force(), now=now)
