"""The hot statements, planned once per connection: a cursor that prepares them.

Django sends every statement as text with its values written in (client-side binding)
and never asks PostgreSQL to prepare one, so that connection poolers in transaction mode
keep working. A job's few hot statements (the submission's ``INSERT``, the worker's
claim and outcome) have texts that never change: each value is a parameter. Parsing and
planning them again each time was a third of their time on the server's side: measured
with psycopg on this project's machine, 1,000 claims and outcomes one after the other,
590 and 700 µs each as text, 335 and 490 µs prepared (``docs/performance.md``).

``cursor(db)`` is a cursor of Django's connection (its query logging and execute
wrappers see the statements) that binds values on the server and prepares each statement
on its first run, on PostgreSQL with ``CONVEYOR_PREPARED_STATEMENTS`` on (the default).
Elsewhere, with it off (a pooler that cannot carry prepared statements: PgBouncer in
transaction mode before 1.21), or where something wraps the connection's cursors
(OpenTelemetry's psycopg instrumentation, when tracing is on: its spans are kept), it is
the connection's own cursor.

Only for statements whose text is the same for every call of a shape, and whose result
columns are named (never ``RETURNING *``): a prepared statement whose result columns
change (a migration adds one) fails with "cached plan must not change result type".
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

# psycopg prepares a statement by itself once it ran this often; never, in effect.
_NEVER_BY_COUNT = 2**62


def enabled(db: BaseDatabaseWrapper) -> bool:
    return db.vendor == "postgresql" and bool(settings.CONVEYOR_PREPARED_STATEMENTS)


def cursor(db: BaseDatabaseWrapper) -> CursorWrapper:
    """A cursor of ``db`` (this thread's connection) that prepares what it runs, where
    that is on (``enabled``); else ``db.cursor()``. Made as ``db.cursor()`` makes one:
    a failed health check reconnects first, and it is wrapped for query logging."""
    if not enabled(db):
        return db.cursor()
    db.close_if_health_check_failed()
    db.ensure_connection()
    connection = db.connection
    plain, preparing = _cursor_classes()
    if connection.cursor_factory is not plain:
        # Something wraps the connection's cursors (OpenTelemetry's psycopg
        # instrumentation, for a span per statement): they are kept, unprepared.
        return db.cursor()
    if connection.prepare_threshold is None:
        # Django turns psycopg's preparing off for the connection, and a statement asked
        # to be prepared is then not. Only this cursor asks: Django's own bind values on
        # the client side and are never prepared, however often they run.
        connection.prepare_threshold = _NEVER_BY_COUNT
    with db.wrap_database_errors:
        raw = preparing(connection)
    db.validate_thread_sharing()
    return _Logged(raw, db) if db.queries_logged else db.make_cursor(raw)


class _Logged(CursorDebugWrapper):
    """Django's query log (``DEBUG``, ``CaptureQueriesContext``) with each statement's
    values written in, as it logs its own cursors' statements: a prepared statement's
    run leaves psycopg no text of it for Django to read back."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


@cache
def _cursor_classes() -> tuple[type[Any], type[Any]]:
    """Django's own cursor class (client-side binding), and its server-binding one
    made to prepare every statement it executes."""
    # Imported here: the module needs psycopg, which an SQLite deployment never loads.
    from django.db.backends.postgresql.base import Cursor, ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):  # type: ignore[misc]
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            kwargs["prepare"] = True
            return super().execute(query, params, **kwargs)  # type: ignore[misc]

    return Cursor, PreparingCursor
