"""Liveness and readiness endpoints (no authentication; not under /v1). The metrics
endpoint, which adds the queue gauges, is ``queues/exposition.py``."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from conveyor.config.celery import app
from conveyor.core import database
from conveyor.core.problems import PROBLEM_CONTENT_TYPE

log = logging.getLogger(__name__)

BROKER_CHECK_TTL_SECONDS = 2.0
# The database check waits this long at most for a connection of the API's pool.
DATABASE_CHECK_TIMEOUT_SECONDS = 1.0
# A broker check gives up after this long, to connect and then for each answer: a broker
# that accepts connections but never answers must not hold /readyz (and its request
# thread) past the probe's timeout, nor forever.
BROKER_CHECK_TIMEOUT_SECONDS = 1


@dataclass
class _BrokerCheck:
    ok: bool = False
    detail: str = "not checked yet"
    checked_at: float = 0.0


_broker = _BrokerCheck()


@require_GET
async def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers: nothing else is checked, so a dependency outage never restarts it.

    An async view: the middleware runs on the event loop too (core/middleware.py), so the
    answer takes no hop to a request thread. Under load the loop is what the probe checks,
    and a thread hop would make the probe wait its turn for the GIL twice (measured with
    ``python -m bench --scenarios waiting``, docs/performance.md)."""
    return JsonResponse({"status": "ok"})


def database_ready() -> tuple[bool, str]:
    connection = database.connection()
    pool = getattr(connection, "pool", None)
    try:
        if pool is not None and not pool.closed:
            # From the API's pool, waiting for a connection no longer than a probe may
            # (a pool without a database waits its DATABASE_POOL_TIMEOUT otherwise).
            with pool.connection(timeout=DATABASE_CHECK_TIMEOUT_SECONDS) as conn:
                conn.execute("SELECT 1")
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
    except Exception:
        # Which dependency failed, not its error text (hosts, users, versions): the
        # probe is unauthenticated. The text goes to the log.
        log.warning("readyz: the database is unavailable", exc_info=True)
        return False, "database unavailable"
    return True, "ok"


def broker_ready() -> tuple[bool, str]:
    """Connect to the broker, at most once per BROKER_CHECK_TTL_SECONDS per process, for at
    most about BROKER_CHECK_TIMEOUT_SECONDS."""
    now = time.monotonic()
    if now - _broker.checked_at < BROKER_CHECK_TTL_SECONDS:
        return _broker.ok, _broker.detail
    bound = BROKER_CHECK_TIMEOUT_SECONDS
    try:
        with app.connection_for_write(
            connect_timeout=bound,  # AMQP: the connect and the handshake
            transport_options={"socket_connect_timeout": bound, "socket_timeout": bound},  # Redis
        ) as conn:
            conn.ensure_connection(max_retries=0, timeout=bound)
        _broker.ok, _broker.detail = True, "ok"
    except Exception:
        log.warning("readyz: the broker is unavailable", exc_info=True)
        _broker.ok, _broker.detail = False, "broker unavailable"
    _broker.checked_at = now
    return _broker.ok, _broker.detail


@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Ready when the API can accept work: when the database answers.

    The broker is checked and reported, but does not decide: while it is down a submission
    is still stored (the job row is the outbox) and the reconciler publishes it later, so
    taking the API out of service would refuse work it can accept (docs/api.md#health).
    """
    db_ok, db_detail = database_ready()
    _, broker_detail = broker_ready()
    checks = {"database": db_detail, "broker": broker_detail}
    if db_ok:
        return JsonResponse({"status": "ready", "checks": checks})
    body = {
        "type": "https://conveyor.dev/problems/not-ready",
        "title": "Not ready",
        "status": 503,
        "detail": db_detail,
        "checks": checks,
    }
    return JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)
