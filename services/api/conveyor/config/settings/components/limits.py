"""Fair share: the platform's default limits per client, and the cache the throttles share.

Each limit can be changed for one client in the admin (the ``ApiClient`` fields of the
same names; empty: the default here). ``docs/security.md`` explains each one.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured, ValidationError

from conveyor.clients.rates import validate_rate
from conveyor.config import broker_url
from conveyor.config.env import env_bool, env_float, env_int, env_seconds, env_str

# Requests one client may make, as DRF writes a rate: "<number>/<s|m|h|d>"; none: no limit.
CONVEYOR_THROTTLE_RATE = env_str("CONVEYOR_THROTTLE_RATE", "50/s")
try:
    validate_rate(CONVEYOR_THROTTLE_RATE)
except ValidationError as _exc:
    raise ImproperlyConfigured(f"CONVEYOR_THROTTLE_RATE: {_exc.messages[0]}") from None
# Jobs one client may have unfinished (scheduled, queued, running, retrying, cancelling);
# a submission that would go beyond it is refused with 429. 0: no limit.
CONVEYOR_MAX_UNFINISHED_JOBS = env_int("CONVEYOR_MAX_UNFINISHED_JOBS", 10_000, minimum=0)
# Jobs of one client running at once, across every worker; a job over it waits,
# scheduled, until the client has room (conveyor_worker/admission.py). 0: no limit.
CONVEYOR_MAX_RUNNING_JOBS_PER_CLIENT = env_int("CONVEYOR_MAX_RUNNING_JOBS_PER_CLIENT", 0, minimum=0)
# How long a job over its client's running cap waits before it is tried again.
CONVEYOR_CLIENT_CAP_RETRY = env_seconds("CONVEYOR_CLIENT_CAP_RETRY_SECONDS", 1.0)
# Schedules one client may have. 0: no limit.
CONVEYOR_MAX_SCHEDULES = env_int("CONVEYOR_MAX_SCHEDULES", 100, minimum=0)
# The shortest interval_seconds a schedule may have (cron fires at most once a minute).
CONVEYOR_MIN_SCHEDULE_INTERVAL = timedelta(
    seconds=env_int("CONVEYOR_MIN_SCHEDULE_INTERVAL_SECONDS", 60, minimum=1)
)
# How far ahead run_at (or delay_seconds) may be: a job due in year 9999 never leaves.
CONVEYOR_RUN_AT_HORIZON = timedelta(days=env_float("CONVEYOR_RUN_AT_HORIZON_DAYS", 366))
# The demo job types (demo.sleep, demo.cpu, demo.noop, ...): any client could fill every
# worker with them, so a deployment enables them explicitly (`make run` does).
CONVEYOR_DEMO_JOB_TYPES = env_bool("CONVEYOR_DEMO_JOB_TYPES", False)


def _caches() -> dict[str, dict[str, object]]:
    """The cache every API process shares (the throttles' counters): Redis at
    CONVEYOR_CACHE_URL, else the broker's Redis, else a table in the database."""
    url = env_str("CONVEYOR_CACHE_URL", "")
    broker = env_str("BROKER_URL", "")
    if not url and broker_url.broker_scheme(broker) in {"redis", "rediss"}:
        url = broker
    if url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                # Several deployments (or test runs) can share one Redis under distinct prefixes.
                "KEY_PREFIX": env_str(
                    "CONVEYOR_CACHE_KEY_PREFIX", env_str("CONVEYOR_BROKER_KEY_PREFIX", "") + "cache"
                ),
                "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
            }
        }
    # `conveyor migrate` creates the table (createcachetable).
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "conveyor_cache",
        }
    }


CACHES = _caches()
