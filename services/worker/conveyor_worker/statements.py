"""The two statements every job runs on a worker, written out in SQL.

A job's claim and its outcome are the worker's hot path: through the ORM they took
seven round trips and most of a job's CPU (``docs/performance.md``). Here each is one
statement, with the same compare-and-set conditions as ``lifecycle.transition``:

- ``claim_returning``: ``UPDATE … WHERE state IN (…) RETURNING *`` (PostgreSQL and
  SQLite): the claim and the row it leaves, in one round trip. On PostgreSQL, a claim
  that is a transaction of its own commits without waiting for the WAL to reach the disk
  (see ``claim_returning`` for why nothing is lost);
- ``EndAttempt``: on PostgreSQL, the outcome's ``UPDATE`` of the job, the
  ``INSERT`` of its attempt and the ``pg_notify`` that wakes long-polls (carrying the
  final row when it fits, ``longpoll.ROW_PAYLOAD_LIMIT``), as one statement
  (data-modifying CTEs), so one implicit transaction instead of ``BEGIN`` … ``COMMIT``.

Only column names taken from the models go into the SQL text; every value is a
parameter, prepared by its model field as the ORM would. The text of a claim and of an
outcome is written once per shape (which columns change, how many states, the database's
vendor) and kept (``Shape``): building it took a fifth of a no-op job's CPU, in about
forty lookups of a column and of the thread's connection. PostgreSQL prepares each once
per connection (``core/prepared.py``), so a claim names the columns it returns rather
than ``*``. The claimed rows become ``Job`` instances with the value converters the
ORM would apply, worked out once per database (``jobs_from``), not through a raw
queryset, which looked them up again for every row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

from conveyor.clients.models import ApiClient
from conveyor.core import database, prepared
from conveyor.core.inflight import Line
from conveyor.jobs.longpoll import ROW_PAYLOAD_LIMIT
from conveyor.jobs.models import Job, JobAttempt
from conveyor.queues.models import PausedQueue


def _column(model: type[Model], name: str) -> tuple[str, Field[Any, Any]]:
    """A field's quoted column name, and the field."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    assert field.column is not None
    return database.connection().ops.quote_name(field.column), field


def job_column(name: str) -> str:
    """A Job field's quoted column name (for SQL written elsewhere: the reconciler)."""
    return _column(Job, name)[0]


def job_table() -> str:
    return _table(Job)


def _table(model: type[Model]) -> str:
    return database.connection().ops.quote_name(model._meta.db_table)


@dataclass(frozen=True)
class _Reader:
    """How a claim returns Job's rows and how a row becomes a ``Job``, for one database:
    worked out once from the model's fields (a raw queryset found them for every row)."""

    #: Job's columns in the model's field order, named, not ``*``: a column added later
    #: (a migration during a rolling deploy) would change a prepared ``*``'s result,
    #: which PostgreSQL refuses to run again.
    returning: str
    names: list[str]
    #: Each column with value converters (its index, the converters, its expression): on
    #: PostgreSQL only the JSON fields have any; on SQLite most fields do.
    converters: list[tuple[int, list[Any], Any]]


_readers: dict[tuple[str, str], _Reader] = {}


def _reader(db: Any) -> _Reader:
    key = (db.alias, db.vendor)
    found = _readers.get(key)
    if found is None:
        fields = Job._meta.concrete_fields
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(Job._meta.db_table)
            found_here = db.ops.get_db_converters(column) + column.get_db_converters(db)
            if found_here:
                converters.append((index, found_here, column))
        returning = ", ".join(db.ops.quote_name(str(field.column)) for field in fields)
        reader = _Reader(returning, [field.attname for field in fields], converters)
        found = _readers.setdefault(key, reader)
    return found


def _returning() -> str:
    """The columns a claim returns (``_Reader.returning``)."""
    return _reader(database.connection()).returning


def jobs_from(rows: Iterable[Sequence[Any]], db: Any) -> list[Job]:
    """``Job`` instances from rows of ``_returning``'s columns, as a queryset makes them:
    each value through the converters the ORM's compiler would apply, then
    ``Model.from_db``."""
    reader = _reader(db)
    jobs = []
    for row in rows:
        values = list(row)
        for index, converters, column in reader.converters:
            for converter in converters:
                values[index] = converter(values[index], column, db)
        jobs.append(Job.from_db(db.alias, reader.names, values))
    return jobs


@dataclass(frozen=True)
class Shape:
    """A statement's text and the fields that prepare its values, in their order."""

    sql: str
    #: The Job fields of the changes, as the caller's mapping orders them.
    change_fields: tuple[Field[Any, Any], ...]
    #: Then the values of a second mapping (the JobAttempt fields of an outcome).
    more_fields: tuple[Field[Any, Any], ...] = ()


# Two threads building one shape at once build the same text; either is kept.
_shapes: dict[Hashable, Shape] = {}


def _shape(key: Hashable, build: Callable[[], Shape]) -> Shape:
    """The statement of ``key`` (which holds the vendor), built on its first use."""
    found = _shapes.get(key)
    if found is None:
        found = _shapes.setdefault(key, build())
    return found


def shapes_built() -> int:
    """How many statement texts this process has built (tests)."""
    return len(_shapes)


def forget_shapes() -> None:
    """Build every statement again on its next use (tests)."""
    _shapes.clear()
    _readers.clear()


def _prepared(fields: Sequence[Field[Any, Any]], values: Iterable[Any], db: Any) -> list[Any]:
    return [field.get_db_prep_save(value, db) for field, value in zip(fields, values, strict=True)]


def _set_columns(names: Iterable[str]) -> list[str]:
    """``column = %s`` for each named Job field."""
    return [f"{_column(Job, name)[0]} = %s" for name in names]


def _fields(model: type[Model], names: Iterable[str]) -> tuple[Field[Any, Any], ...]:
    """The named fields of ``model``, in order (they prepare a statement's values)."""
    return tuple(_column(model, name)[1] for name in names)


def _where_job(states: int, *, holding: bool) -> str:
    """The compare-and-set condition: this job (a parameter), in one of ``states``
    (as many parameters), and, ``holding``, with this lease (one more)."""
    id_column, _ = _column(Job, "id")
    state, _ = _column(Job, "state")
    where = f"{id_column} = %s AND {state} IN ({', '.join(['%s'] * states)})"
    if holding:
        token, _ = _column(Job, "lease_token")
        where += f" AND {token} = %s"
    return where


def _job_pk(job_id: UUID | str, db: Any) -> Any:
    pk = Job._meta.pk
    assert pk is not None
    return pk.get_db_prep_value(pk.to_python(job_id), db)


def uncapped(params: list[Any]) -> str:
    """The condition that a Job row's client has no cap on its running jobs: neither its
    own ``max_running_jobs`` nor, that empty, ``CONVEYOR_MAX_RUNNING_JOBS_PER_CLIENT``.
    Such a job is claimed at once; a capped client's, under its cap (``admission``)."""
    client_table = _table(ApiClient)
    client_id, _ = _column(ApiClient, "id")
    cap, _ = _column(ApiClient, "max_running_jobs")
    job_client, _ = _column(Job, "client")
    params.append(settings.CONVEYOR_MAX_RUNNING_JOBS_PER_CLIENT)
    return (
        f"NOT EXISTS (SELECT 1 FROM {client_table} WHERE "  # noqa: S608
        f"{client_table}.{client_id} = {_table(Job)}.{job_client} "
        f"AND COALESCE({client_table}.{cap}, %s) > 0)"
    )


def not_paused() -> str:
    """The condition that a Job row's queue is not paused (``conveyor/queues/pausing.py``):
    a message fetched before a pause reached the worker never starts its job."""
    paused = _table(PausedQueue)
    name, _ = _column(PausedQueue, "name")
    queue, _ = _column(Job, "queue")
    return (
        f"NOT EXISTS (SELECT 1 FROM {paused} WHERE "  # noqa: S608
        f"{paused}.{name} = {_table(Job)}.{queue})"
    )


def claim_returning(
    job_id: UUID | str,
    *,
    states: Iterable[str],
    increment: str,
    changes: Mapping[str, Any],
    uncapped_only: bool = False,
) -> Job | None:
    """Apply ``changes`` (and add one to ``increment``) if the job is in one of ``states``;
    the row as the update left it, or None if it was not in one of them.

    Outside a transaction, on PostgreSQL, the statement sets ``synchronous_commit`` off for
    itself: its commit does not wait for the WAL flush (on a busy worker, that wait was a
    quarter of a no-op job's time). Nothing is lost by it. The attempt's outcome commits
    synchronously and so flushes the claim with it; and if PostgreSQL crashes before that,
    the claim is undone as a whole: the job is ``queued`` again and its message, not yet
    acknowledged (late acks), or else the reconciler, runs it again, as when a worker dies
    mid-job. Only that attempt's start is then missing from the history. Inside a
    transaction (a rate-limited claim, with its grant) everything commits synchronously.

    ``uncapped_only``: only if the job's client has no cap on its running jobs
    (``uncapped``); a capped client's job is claimed under its cap (``admission``).
    Never a job of a paused queue (``not_paused``).
    """
    db = database.connection()
    allowed = list(states)
    asynchronous = db.vendor == "postgresql" and not db.in_atomic_block
    key = ("claim", db.vendor, tuple(changes), increment, len(allowed), uncapped_only, asynchronous)
    shape = _shape(
        key, lambda: _claim_shape(changes, increment, len(allowed), uncapped_only, asynchronous)
    )
    params = _prepared(shape.change_fields, changes.values(), db)
    params.append(_job_pk(job_id, db))
    params.extend(allowed)
    if uncapped_only:
        params.append(settings.CONVEYOR_MAX_RUNNING_JOBS_PER_CLIENT)
    with prepared.cursor(db) as cursor:
        cursor.execute(shape.sql, params)
        rows = jobs_from(cursor.fetchall(), db)
    return rows[0] if rows else None


def _claim_shape(
    changes: Mapping[str, Any],
    increment: str,
    states: int,
    uncapped_only: bool,
    asynchronous: bool,
) -> Shape:
    assignments = _set_columns(changes)
    counter, _ = _column(Job, increment)
    assignments.append(f"{counter} = {counter} + 1")
    where = _where_job(states, holding=False) + " AND " + not_paused()
    if uncapped_only:
        where += " AND " + uncapped([])  # its parameter is the caller's
    table = _table(Job)
    source = ""
    if asynchronous:
        # set_config(..., true) is SET LOCAL: this statement's own transaction only.
        source = " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"
    sql = (
        f"UPDATE {table} SET {', '.join(assignments)}{source} "  # noqa: S608
        f"WHERE {where} RETURNING {_returning()}"
    )
    return Shape(sql, _fields(Job, changes))


@dataclass(frozen=True)
class EndAttempt:
    """On PostgreSQL, in one statement: apply ``changes`` to the job if it is in one of
    ``states`` and ``holding`` is still its lease; if so, insert the ``attempt`` (a
    JobAttempt's field values, its job set by the statement) and, given a channel, notify
    it with the job's id."""

    job_id: UUID | str
    states: Iterable[str]
    holding: UUID
    changes: Mapping[str, Any]
    attempt: Mapping[str, Any]
    notify_channel: str | None

    def run(self) -> bool:
        """Whether the job was changed."""
        db = database.connection()
        sql, params = self._statement(db)
        with prepared.cursor(db) as cursor:
            cursor.execute(sql, params)
            return len(cursor.fetchall()) == 1

    def send(self, line: Line) -> None:
        """Sent on ``line`` without waiting: ``line.answer()`` is 1 if the job was
        changed, 0 if not."""
        line.send(*self._statement(database.connection()))

    def _statement(self, db: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        assert db.vendor == "postgresql", "data-modifying CTEs need PostgreSQL"
        changes, attempt = self.changes, self.attempt
        allowed = list(self.states)
        notify = self.notify_channel is not None
        key = ("end_attempt", db.vendor, tuple(changes), len(allowed), tuple(attempt), notify)
        shape = _shape(key, lambda: _end_attempt_shape(changes, len(allowed), attempt, notify))
        params = _prepared(shape.change_fields, changes.values(), db)
        params.append(_job_pk(self.job_id, db))
        params.extend(allowed)
        params.append(Job._meta.get_field("lease_token").get_db_prep_value(self.holding, db))
        params.extend(_prepared(shape.more_fields, attempt.values(), db))
        if notify:
            params.append(self.notify_channel)
        return shape.sql, params


def _end_attempt_shape(
    changes: Mapping[str, Any], states: int, attempt: Mapping[str, Any], notify: bool
) -> Shape:
    id_column, _ = _column(Job, "id")
    columns = [_column(JobAttempt, name)[0] for name in attempt]
    values = ["%s"] * len(columns)
    job_column, _ = _column(JobAttempt, "job")
    columns.append(job_column)
    values.append(f"moved.{id_column}")
    returning = id_column
    if notify:
        # The final row goes with the notification when it fits: a request waiting for
        # this job answers from it, with no read (jobs/longpoll.py); else only the id.
        returning += f", row_to_json({_table(Job)})::text AS final_row"
        last = (
            "SELECT pg_notify(%s, CASE WHEN octet_length(moved.final_row) <= "  # noqa: S608
            f"{ROW_PAYLOAD_LIMIT} THEN moved.final_row ELSE moved.{id_column}::text END) "
            "FROM moved"
        )
    else:
        last = "SELECT 1 FROM moved"
    sql = (
        f"WITH moved AS (UPDATE {_table(Job)} SET {', '.join(_set_columns(changes))} "  # noqa: S608
        f"WHERE {_where_job(states, holding=True)} RETURNING {returning}), "
        f"recorded AS (INSERT INTO {_table(JobAttempt)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM moved) "
        f"{last}"
    )
    return Shape(
        sql,
        _fields(Job, changes),
        _fields(JobAttempt, attempt),
    )


def claim_many(
    job_ids: Sequence[UUID | str],
    *,
    states: Iterable[str],
    changes: Mapping[str, Any],
    skip_types: Sequence[str] = (),
    skip_queues: Sequence[str] = (),
    uncapped_only: bool = False,
) -> list[Job]:
    """On PostgreSQL, a bundle's claim in one statement: apply ``changes`` (and add one to
    ``attempts``, and give each row a lease token of its own) to those of the jobs that
    are in one of ``states`` and neither of a job type in ``skip_types`` nor on a queue in
    ``skip_queues`` (rate-limited ones, claimed one by one under their limit). The rows
    as the update left them, oldest first (``created_at``, then id): the order the worker
    runs them in, which the reconciler relies on (``reconcile.recover_lapsed``).
    ``uncapped_only``: and not of a client with a cap on its running jobs (``uncapped``).

    Its commit does not wait for the WAL flush, as ``claim_returning``'s (and for the same
    reasons nothing is lost)."""
    db = database.connection()
    assert db.vendor == "postgresql", "gen_random_uuid() and = ANY() need PostgreSQL"
    params = _prepared(_fields(Job, changes), changes.values(), db)
    assignments = _set_columns(changes)
    counter, _ = _column(Job, "attempts")
    token, _ = _column(Job, "lease_token")
    assignments.append(f"{counter} = {counter} + 1")
    assignments.append(f"{token} = gen_random_uuid()")
    id_column, _ = _column(Job, "id")
    state, _ = _column(Job, "state")
    allowed = list(states)
    params.append([_job_pk(job_id, db) for job_id in job_ids])
    params.extend(allowed)
    where = f"{id_column} = ANY(%s) AND {state} IN ({', '.join(['%s'] * len(allowed))})"
    where += " AND " + not_paused()
    if skip_types:
        type_column, _ = _column(Job, "type")
        where += f" AND NOT ({type_column} = ANY(%s))"
        params.append(list(skip_types))
    if skip_queues:
        queue_column, _ = _column(Job, "queue")
        where += f" AND NOT ({queue_column} = ANY(%s))"
        params.append(list(skip_queues))
    if uncapped_only:
        where += " AND " + uncapped(params)
    table = _table(Job)
    source = ""
    if not db.in_atomic_block:
        source = " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"
    sql = (
        f"UPDATE {table} SET {', '.join(assignments)}{source} "  # noqa: S608
        f"WHERE {where} RETURNING {_returning()}"
    )
    with prepared.cursor(db) as cursor:
        cursor.execute(sql, params)
        jobs = jobs_from(cursor.fetchall(), db)
    return sorted(jobs, key=lambda job: (job.created_at, str(job.pk)))
