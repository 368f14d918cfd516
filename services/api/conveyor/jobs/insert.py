"""A new job's row, inserted without the ORM's per-call work.

``Model.save(force_insert=True)`` builds the same ``INSERT`` every time: it walks the
model's options, makes a query and a compiler, and assembles the SQL text, for each
submission — about a tenth of what an API process spends on one (py-spy,
``docs/performance.md``). Here the statement is built once per database vendor, by
Django's own compiler, and each submission only has its values prepared, by each field
exactly as ``save()`` prepares them (``pre_save``, then ``get_db_prep_save``), and sent
through the connection's cursor (so query logging and execute wrappers still see it).

``Job`` has no ``save()`` of its own and nothing listens to its save signals (nothing
happens on save in this code base, STYLE.md), so skipping them changes nothing; a test
compares the rows both ways (``tests/api/test_job_insert.py``).
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql import InsertQuery

from conveyor.core import database
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
    connection = database.connection()
    params = [
        field.get_db_prep_save(field.pre_save(job, True), connection)
        for field in Job._meta.local_concrete_fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection, job), params)
    job._state.adding = False
    job._state.db = database.alias()
