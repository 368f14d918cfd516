"""New jobs' rows, inserted without the ORM's per-call work.

``Model.save(force_insert=True)`` builds the same ``INSERT`` every time: it walks the
model's options, makes a query and a compiler, and assembles the SQL text, for each
submission — about a tenth of what an API process spends on one (py-spy,
``docs/performance.md``). Django's ``bulk_create`` sends one array per column
(``UNNEST``), and psycopg quotes every value of every array in Python: a fifth of a batch
request's CPU.

On PostgreSQL, one job or a thousand, the rows travel as one JSON document,
``INSERT ... SELECT ... FROM json_populate_recordset(...)``: ``json.dumps`` writes it in
C, and PostgreSQL reads each value as its column's type, as it reads a bound parameter
(a NULL is simply left out). The statement's text is made once; PostgreSQL prepares it
once per connection (``core/prepared.py``), and it goes through the connection's
cursor wrapper, so query logging and execute wrappers still see it. Elsewhere
(SQLite) one job is inserted by a statement Django's own compiler built once, its values
prepared by each field exactly as ``save()`` prepares them, and many by ``bulk_create``.

``inserting(job)`` sends the one job's ``INSERT`` without waiting (``core/inflight.py``)
and reads its answer after the block: a submission publishes its message while
PostgreSQL inserts the row (``services.job_store``).

``Job`` has no ``save()`` of its own and nothing listens to its save signals (nothing
happens on save in this code base, STYLE.md), so skipping them changes nothing; tests
compare the rows with ``save()``'s and ``bulk_create``'s (``tests/api/test_job_insert.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from operator import attrgetter
from typing import Any
from uuid import UUID

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DateField, Field, JSONField
from django.db.models.sql import InsertQuery
from django.utils import timezone

from conveyor.core import database, inflight, prepared
from conveyor.jobs.models import Job

# The INSERT's text per database vendor ("postgresql", "sqlite"), made on first use (two
# threads making it at once make the same text; either is kept).
_statements: dict[str, str] = {}


def _statement(connection: BaseDatabaseWrapper, job: Job) -> str:
    found = _statements.get(connection.vendor)
    if found is None:
        fields = Job._meta.local_concrete_fields
        query = InsertQuery(Job)
        query.insert_values(fields, [job])
        [(sql, params)] = query.get_compiler(connection=connection).as_sql()
        # Every value is one plain placeholder, whatever the value: the text is reusable.
        assert len(params) == len(fields), sql
        assert sql.count("%s") == len(params), sql
        found = _statements.setdefault(connection.vendor, sql)
    return found


def insert_job(job: Job) -> None:
    """``job.save(force_insert=True)`` on conveyor's database, in one statement."""
    insert_jobs([job])


def _insert_one(connection: BaseDatabaseWrapper, job: Job) -> None:
    params = [
        field.get_db_prep_save(field.pre_save(job, True), connection)
        for field in Job._meta.local_concrete_fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection, job), params)
    job._state.adding = False
    job._state.db = database.alias()


@cache
def _json_statement() -> str:
    """The INSERT of a JSON document's rows, on PostgreSQL (made once)."""
    quote = database.connection().ops.quote_name
    table = quote(Job._meta.db_table)
    columns = ", ".join(quote(str(field.column)) for field in Job._meta.local_concrete_fields)
    # The names are the model's own, quoted; the rows are the one parameter.
    return (
        f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608
        f"FROM json_populate_recordset(NULL::{table}, %s)"
    )


def _json_value(value: object) -> object:
    """A column's value in the batch's JSON, for the types ``json`` does not write."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            raise TypeError(f"a naive datetime ({value}) cannot be stored as an instant")
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value a job has")


def _plain(field: Field[Any, Any]) -> bool:
    """Whether the field's ``pre_save`` only reads the attribute (no ``auto_now``)."""
    if isinstance(field, DateField):  # DateTimeField too
        return not (field.auto_now or field.auto_now_add)
    return type(field).pre_save is Field.pre_save


@cache
def _row_reader() -> tuple[tuple[str, ...], Callable[[Job], tuple[Any, ...]]] | None:
    """The columns and a reader of a job's values for them (one C call per job), or None
    when a row cannot go as plain JSON: a field computes its value on save, or a JSON
    field has an ``encoder`` of its own (whose output only its own ``dumps`` makes)."""
    fields = Job._meta.local_concrete_fields
    if not all(_plain(field) for field in fields):
        return None
    if any(isinstance(field, JSONField) and field.encoder is not None for field in fields):
        return None
    return tuple(str(f.column) for f in fields), attrgetter(*(f.attname for f in fields))


def insert_jobs(jobs: Sequence[Job]) -> None:
    """``Job.objects.bulk_create(jobs)`` on conveyor's database, in one statement."""
    connection = database.connection()
    if connection.vendor != "postgresql" or _row_reader() is None:
        if len(jobs) == 1:
            _insert_one(connection, jobs[0])
        else:
            Job.objects.using(database.alias()).bulk_create(jobs)
        return
    with prepared.cursor(connection) as cursor:
        cursor.execute(_json_statement(), [_document(jobs)])
    _stored(jobs)


def sendable() -> bool:
    """Whether ``inserting`` can send its ``INSERT`` without waiting for it here."""
    return inflight.available(database.connection()) and _row_reader() is not None


@contextmanager
def inserting(job: Job) -> Iterator[None]:
    """``insert_job(job)`` around the block, where ``sendable``: its ``INSERT`` is sent
    before the block runs and its answer read after it, so the block's work (a publish)
    and PostgreSQL's overlap; the ``INSERT``'s error, if any, is raised after the block.
    Nothing else may use the database connection in the block."""
    line = inflight.line()
    line.send(_json_statement(), [_document([job])])
    try:
        yield
    finally:
        line.answer()  # raises the INSERT's error; after the block's, if it raised too
    _stored([job])


def _document(jobs: Sequence[Job]) -> str:
    """The jobs' rows as one JSON document (``_json_statement``'s parameter)."""
    reader = _row_reader()
    assert reader is not None
    columns, read = reader
    # A NULL is left out: json_populate_recordset sets a missing key's column to NULL.
    rows = [
        {c: v for c, v in zip(columns, read(job), strict=True) if v is not None} for job in jobs
    ]
    written: dict[int, object] = {}  # the batch's jobs share their instants: each written once

    def value(of: object) -> object:
        found = written.get(id(of))
        if found is None:
            found = written[id(of)] = _json_value(of)
        return found

    return json.dumps(rows, default=value, ensure_ascii=False, allow_nan=False)


def _stored(jobs: Sequence[Job]) -> None:
    alias = database.alias()
    for job in jobs:
        job._state.adding = False
        job._state.db = alias
