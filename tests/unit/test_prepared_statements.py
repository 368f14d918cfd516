"""A job's hot statements are prepared once per PostgreSQL connection (core/prepared.py),
and a claimed row becomes the job the ORM would load (conveyor_worker/statements.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from conveyor.jobs.insert import insert_jobs
from conveyor.jobs.models import Job
from conveyor_worker import attempts, statements
from conveyor_worker.attempts import Lease
from tests import shared_services as real_services
from tests.factories import ApiClientFactory, JobFactory

# Each test starts on a connection of its own: what it finds prepared is its own doing.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_connection() -> Iterator[None]:
    real_services.require("postgres")
    statements.forget_shapes()
    connection.close()
    yield
    connection.close()


def _prepared() -> list[str]:
    """The statements this thread's connection has prepared."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _claimed(job: Job) -> Lease:
    lease = attempts.claim(job.id, worker="w1", message_id=None)
    assert lease is not None
    return lease


def _starting(prefix: str) -> list[str]:
    return [text for text in _prepared() if text.startswith(prefix)]


def test_a_claim_and_an_outcome_are_prepared_once_and_run_again() -> None:
    # given two jobs
    first, second = JobFactory.create(), JobFactory.create()

    # when each is claimed and ends
    for job in (first, second):
        assert attempts.record_success(_claimed(job), {"id": str(job.id)})

    # then the connection prepared each statement once, and each row has its own values
    assert len(_starting('UPDATE "jobs_job"')) == 1
    assert len(_starting("WITH moved AS")) == 1
    for job in (first, second):
        job.refresh_from_db()
        assert (job.state, job.result) == ("succeeded", {"id": str(job.id)})


def test_a_new_jobs_insert_is_prepared_once() -> None:
    # given
    client = ApiClientFactory.create()

    # when two submissions' rows are inserted
    for _ in range(2):
        insert_jobs([JobFactory.build(client=client)])

    # then
    assert len(_starting('INSERT INTO "jobs_job"')) == 1
    assert Job.objects.filter(client=client).count() == 2


@override_settings(CONVEYOR_PREPARED_STATEMENTS=False)
def test_with_prepared_statements_off_nothing_is_prepared() -> None:
    # given (a pooler that cannot carry prepared statements)
    job = JobFactory.create()

    # when
    assert attempts.record_success(_claimed(job), None)
    insert_jobs([JobFactory.build(client=job.client)])

    # then
    assert _prepared() == []
    job.refresh_from_db()
    assert job.state == "succeeded"


def test_a_claim_still_runs_after_a_column_is_added_to_jobs() -> None:
    # given a claim prepared on this connection
    assert attempts.record_success(_claimed(JobFactory.create()), None)
    job = JobFactory.create()

    # when a migration adds a column meanwhile (a rolling deploy), from elsewhere
    dsn = real_services.pg_database_url(connection.settings_dict["NAME"])
    with psycopg.connect(dsn, autocommit=True) as other:
        other.execute("ALTER TABLE jobs_job ADD COLUMN added_later integer")
    try:
        # then the prepared claim still runs (it names its columns: a prepared
        # RETURNING * would fail with "cached plan must not change result type")
        lease = _claimed(job)
        assert lease.job.pk == job.pk
    finally:
        with psycopg.connect(dsn, autocommit=True) as other:
            other.execute("ALTER TABLE jobs_job DROP COLUMN added_later")


def _fields(job: Job) -> dict[str, Any]:
    return {field.attname: getattr(job, field.attname) for field in Job._meta.concrete_fields}


def test_a_claimed_job_is_the_job_the_orm_loads() -> None:
    # given a job with values in its JSON fields
    job = JobFactory.create(
        params={"items": [1, 2.5, "three"], "nested": {"ok": True}},
        labels={"team": "billing"},
        trace_context={"traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"},
    )

    # when it is claimed
    lease = _claimed(job)

    # then the claim's instance equals the ORM's, field by field, and is saved state
    assert _fields(lease.job) == _fields(Job.objects.get(pk=job.pk))
    assert (lease.job._state.adding, lease.job._state.db) == (False, "default")


def test_the_query_log_shows_each_prepared_statement_with_its_values() -> None:
    # given
    job = JobFactory.create()

    # when
    with CaptureQueriesContext(connection) as captured:
        _claimed(job)

    # then: written out as Django logs its own statements, values in place
    [query] = captured.captured_queries
    assert job.id.hex in query["sql"]
    assert "'running'" in query["sql"]


def test_statements_traced_by_opentelemetry_keep_their_spans_unprepared() -> None:
    # given a connection whose cursors OpenTelemetry's psycopg instrumentation wraps
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

    job = JobFactory.create()
    connection.ensure_connection()
    PsycopgInstrumentor.instrument_connection(connection.connection)
    try:
        # when
        assert attempts.record_success(_claimed(job), None)

        # then the traced cursors ran them: nothing prepared, the job ended
        assert _prepared() == []
    finally:
        PsycopgInstrumentor.uninstrument_connection(connection.connection)
    job.refresh_from_db()
    assert job.state == "succeeded"
