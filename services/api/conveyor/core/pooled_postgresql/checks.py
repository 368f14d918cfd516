"""How the API's connection pool checks a connection before lending it: without a
round trip when nothing says it is broken.

Django's pool, with ``CONN_HEALTH_CHECKS``, checks every connection it lends with an
empty query: a round trip to PostgreSQL on every request (a sixth of a submission's time
in a request thread). A connection that went bad while it sat idle in the pool tells so
on its socket: a server that shut down or ended the session sends its error, then
closes, so the socket is readable. Here an idle connection with nothing to read is lent
as it is; one with something to read, or not idle, gets the empty query (which fails for
a dead one, and the pool then drops it and tries the next). What neither check sees, a
server that went silent, a request's own query then fails on, as it would after the
empty query.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool


def check_connection(conn: psycopg.Connection[Any]) -> None:
    """Raise if ``conn`` must not be lent (psycopg_pool's ``check``)."""
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    if conn.info.transaction_status == TransactionStatus.IDLE and not _readable(conn):
        return
    ConnectionPool.check_connection(conn)


def _readable(conn: psycopg.Connection[Any]) -> bool:
    """Whether the server sent something (an error, the end of the session) while the
    connection sat idle: nothing is due to an idle connection otherwise."""
    poll = select.poll()
    poll.register(conn.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poll.poll(0))
