"""A statement sent on this thread's connection without waiting, its answer read later.

Some statements need not hold up what follows them: the next job of a bundle can be made
ready while PostgreSQL commits the last one's outcome (``conveyor_worker/pipelining.py``),
and a submission's message can go to the broker while PostgreSQL inserts its row
(``jobs/insert.py``). ``Line.send`` hands a statement to libpq (psycopg's ``pq`` layer)
and returns once the kernel has all of it; ``Line.answer`` waits for what it did. The
statement is its own transaction, as any statement outside one.

Once sent, a statement no longer depends on the process that sent it: PostgreSQL runs
and commits what it has received whether or not the client is still there to read the
answer (which it writes after the commit). So a process killed after ``send`` returns
leaves the statement done.

The connection is Django's own (this thread's), so nothing else may use it while a
statement is in the air: the caller reads the answer first. Where it is not the right
connection for this (not PostgreSQL, inside a transaction, or traced), ``available`` says
so.
Statements are prepared once per connection, as ``prepared.py`` prepares them, unless
``CONVEYOR_PREPARED_STATEMENTS`` is off, and prepared again when the session has lost
them (psycopg sends ``DEALLOCATE ALL`` after a ``ROLLBACK`` when it has prepared
statements of its own); each is logged as Django logs its own.
"""

from __future__ import annotations

import functools
import select
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from conveyor.core import database, tracing


def available(db: BaseDatabaseWrapper) -> bool:
    """Whether statements can be sent on ``db`` without waiting: PostgreSQL, outside a
    transaction, and tracing off (a statement sent here has no span: with tracing on,
    each goes through OpenTelemetry's traced cursors, as ``prepared.py`` leaves them)."""
    return db.vendor == "postgresql" and not db.in_atomic_block and not tracing.enabled()


class Line:
    """Statements sent on this thread's Django connection without waiting, and their
    answers read later: one statement in the air at a time. Nothing else may use the
    connection until its answer is read (the caller's to ensure)."""

    def __init__(self) -> None:
        self._sent_on: Any = None  # the libpq connection the statement in the air went on
        self._sent: tuple[bytes, Sequence[Any]] | None = None  # and its query and values

    @property
    def in_air(self) -> bool:
        return self._sent is not None

    def send(self, sql: str, params: Sequence[Any]) -> None:
        """Send ``sql`` (``%s`` placeholders) with ``params``, as its own transaction;
        return once the whole of it is with the kernel. ``answer`` reads what it did."""
        assert not self.in_air, "read the answer of the statement in the air first"
        db = database.connection()
        assert available(db), "PostgreSQL, outside a transaction"
        db.close_if_health_check_failed()
        db.ensure_connection()
        assert db.get_autocommit(), "sent statements are transactions of their own"
        started = time.monotonic()
        query = _numbered(sql)
        with db.wrap_database_errors:
            try:
                self._send(db.connection, query, params)
            except BaseException:
                db.close()  # a statement may be half sent: start afresh
                raise
        self._sent_on = db.connection.pgconn
        self._sent = (query, params)
        if db.queries_logged:  # as Django logs its own (DEBUG, CaptureQueriesContext)
            took = time.monotonic() - started
            ops: Any = db.ops  # PostgreSQL's: compose_sql writes the values in
            db.queries_log.append({"sql": ops.compose_sql(sql, params), "time": f"{took:.3f}"})

    def answer(self) -> int:
        """The number of rows the statement in the air returned (waits for it). A
        database error is raised as Django's; a broken connection is closed first."""
        sent, sent_on = self._sent, self._sent_on
        assert sent is not None, "nothing was sent"
        self._sent = self._sent_on = None
        db = database.connection()
        if db.connection is None or db.connection.pgconn is not sent_on:
            raise OperationalError("the connection closed before the outcome's answer came")
        with db.wrap_database_errors:
            try:
                rows, failure = _read_answer(db.connection)
                if isinstance(failure, _unprepared()):
                    # Its prepared statement was dropped since it was prepared here:
                    # psycopg sends DEALLOCATE ALL after a ROLLBACK when it has prepared
                    # statements of its own. Nothing ran: prepare it again, and run it.
                    _kept.pop(sent_on, None)
                    self._send(db.connection, *sent)
                    rows, failure = _read_answer(db.connection)
            except BaseException:
                db.close()  # broken, or its answer half read: unusable
                raise
            if failure is not None:
                raise failure  # the statement failed; the connection is fine
        return rows

    def _send(self, connection: Any, query: bytes, params: Sequence[Any]) -> None:
        from psycopg import pq
        from psycopg.adapt import PyFormat, Transformer

        pgconn = connection.pgconn
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            raise RuntimeError("the connection is busy: a statement is sent on an idle one")
        kept = _kept.get(pgconn)
        if kept is None:
            kept = _kept[pgconn] = _Kept(Transformer.from_context(connection))
        transformer = kept.transformer
        values = transformer.dump_sequence(params, [PyFormat.AUTO] * len(params))
        types = tuple(transformer.types or ())
        formats = transformer.formats
        if settings.CONVEYOR_PREPARED_STATEMENTS:
            name = kept.names.get((query, types))
            if name is None:
                name = f"conveyor_sent_{len(kept.names)}".encode()
                _check(pgconn.prepare(name, query, types), connection)
                kept.names[(query, types)] = name
            pgconn.send_query_prepared(name, values, param_formats=formats)
        else:
            pgconn.send_query_params(query, values, param_types=types, param_formats=formats)
        _flush(pgconn)


@dataclass
class _Kept:
    """What a libpq connection keeps between statements: the adapter of its values (its
    dumpers found once) and the statements prepared on it, by their text and parameter
    types."""

    transformer: Any
    names: dict[tuple[bytes, tuple[int, ...]], bytes] = field(default_factory=dict)


_lines = threading.local()
# By libpq connection, not by line: a connection is used by one thread at a time, but not
# always the same one (Django's connection pool).
_kept: weakref.WeakKeyDictionary[Any, _Kept] = weakref.WeakKeyDictionary()


def line() -> Line:
    """This thread's line (it sends on this thread's connection)."""
    found: Line | None = getattr(_lines, "line", None)
    if found is None:
        found = _lines.line = Line()
    return found


@functools.lru_cache(maxsize=64)
def _numbered(sql: str) -> bytes:
    """``%s`` placeholders as PostgreSQL's ``$1``, ``$2``…"""
    parts = sql.split("%s")
    if any("%" in part for part in parts):
        raise ValueError("only %s placeholders, and no other %, in a sent statement")
    numbered = parts[0]
    for number, part in enumerate(parts[1:], start=1):
        numbered += f"${number}{part}"
    return numbered.encode()


def _flush(pgconn: Any) -> None:
    """Hand everything libpq holds to the kernel (a non-blocking connection may take
    more than one go)."""
    while pgconn.flush():
        if _wait(pgconn.socket, select.POLLIN | select.POLLOUT) & select.POLLIN:
            pgconn.consume_input()


def _read_answer(connection: Any) -> tuple[int, Exception | None]:
    """The rows the statement returned, and the error it failed with, if it did."""
    from psycopg import errors, pq

    pgconn = connection.pgconn
    rows = 0
    failure: Exception | None = None
    while True:
        while pgconn.is_busy():
            _wait(pgconn.socket, select.POLLIN)
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:
            break
        if result.status == pq.ExecStatus.TUPLES_OK:
            rows = result.ntuples
        elif result.status != pq.ExecStatus.COMMAND_OK and failure is None:
            failure = errors.error_from_result(result, encoding=connection.info.encoding)
    return rows, failure


def _unprepared() -> type[Exception]:
    """The error of a statement run by a name the session no longer has."""
    from psycopg import errors

    return errors.InvalidSqlStatementName


def _wait(fd: int, events: int) -> int:
    """Block until ``fd`` is ready for one of ``events``; the events it is ready for."""
    poll = select.poll()
    poll.register(fd, events)
    return poll.poll()[0][1]


def _check(result: Any, connection: Any) -> None:
    from psycopg import errors, pq

    if result.status != pq.ExecStatus.COMMAND_OK:
        raise errors.error_from_result(result, encoding=connection.info.encoding)
