"""Database writes that outlast a short database outage (a failover, a restart)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError

from conveyor.core import database

log = logging.getLogger(__name__)
T = TypeVar("T")


def with_db_retry(write: Callable[[], T], *, what: str) -> T:
    """Run ``write``, retrying with backoff while the database is unreachable.

    Gives up (re-raises) after ``CONVEYOR_DB_RETRY_SECONDS``; the reconciler then recovers
    the job from its lease. Every write retried here is a compare-and-set, so a retry of a
    write that did commit before the connection broke changes nothing.
    """
    deadline = time.monotonic() + settings.CONVEYOR_DB_RETRY.total_seconds()
    delay = 0.2
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError) as exc:
            if time.monotonic() + delay > deadline:
                log.error("database unavailable; giving up on %s: %s", what, exc)
                raise
            log.warning(
                "database unavailable during %s (%s); retrying in %.1fs",
                what,
                type(exc).__name__,
                delay,
            )
            database.connection().close()  # drop the broken connection; the next query opens one
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
