"""A bundle's successes sent without waiting (``conveyor_worker/pipelining.py``), on the
real database: each job still ends once, the answer is read before the next handler
runs, and an answer lost on the way is recorded again."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conveyor.core import inflight
from conveyor.jobs.models import Job, JobAttempt
from conveyor.jobs.types import get_job_type
from conveyor_worker import bundles
from conveyor_worker.bundles import run_bundle
from conveyor_worker.registry import Registered
from tests import shared_services as real_services
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres() -> None:
    real_services.require("postgres")


def ids_of(jobs: list[Job]) -> list[str]:
    return [str(job.id) for job in jobs]


def sent_outcomes() -> int:
    """Outcome statements prepared on this thread's connection (``core/inflight.py``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'conveyor_sent_%%'"
        )
        return int(cursor.fetchone()[0])


def test_a_bundle_sends_its_successes_without_waiting(settings: Any) -> None:
    jobs = JobFactory.create_batch(5)
    with CaptureQueriesContext(connection) as queries:
        states = run_bundle(ids_of(jobs), message_id=str(uuid.uuid4()), worker="w1")
    assert states == ["succeeded"] * 5
    assert sent_outcomes() == 1  # sent on the line, prepared once
    # and logged as Django logs its own statements, values written in
    outcomes = [q["sql"] for q in queries.captured_queries if "INSERT INTO" in q["sql"]]
    assert len(outcomes) == 5
    assert all(sum(job.id.hex in sql for sql in outcomes) == 1 for job in jobs)
    for job in jobs:
        job.refresh_from_db()
        assert (job.state, job.attempts, job.lease_token) == ("succeeded", 1, None)
        assert JobAttempt.objects.get(job=job).outcome == "succeeded"


def test_switched_off_each_success_is_awaited(settings: Any) -> None:
    settings.CONVEYOR_BUNDLE_PIPELINE = False
    jobs = JobFactory.create_batch(3)
    states = run_bundle(ids_of(jobs), message_id=str(uuid.uuid4()), worker="w1")
    assert states == ["succeeded"] * 3
    assert sent_outcomes() == 0


def test_a_handler_uses_the_database_while_the_last_outcome_was_in_the_air(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a handler that reads the previous job's row, in a transaction of its own
    seen: list[str] = []

    def reads(ctx: Any, params: Any) -> None:
        with transaction.atomic():
            states = Job.objects.filter(client=ctx.lease.job.client).values_list("state", flat=True)
            seen.append(",".join(sorted(states)))

    spec = get_job_type("demo.noop")
    assert spec is not None
    monkeypatch.setattr(bundles, "get_handler", lambda name: Registered(spec, reads))
    client = JobFactory.create().client
    Job.objects.all().delete()
    jobs = JobFactory.create_batch(3, client=client)
    # when a bundle runs them
    states = run_bundle(ids_of(jobs), message_id=str(uuid.uuid4()), worker="w1")
    # then each handler ran on an idle connection and saw the jobs before it succeeded
    assert states == ["succeeded"] * 3
    assert seen == [
        "running,running,running",
        "running,running,succeeded",
        "running,succeeded,succeeded",
    ]


def test_an_answer_lost_on_the_way_is_recorded_again(
    monkeypatch: pytest.MonkeyPatch, other_session: psycopg.Connection[Any]
) -> None:
    # given the first job's success sent while another session holds its row, and the
    # connection it went on then ended before the statement could commit
    jobs = JobFactory.create_batch(2)
    send = inflight.Line.send
    broken: list[int] = []

    def send_then_break(line: inflight.Line, sql: str, params: Any) -> None:
        if broken:
            return send(line, sql, params)
        other_session.execute("BEGIN")
        other_session.execute("SELECT 1 FROM jobs_job WHERE id = %s FOR UPDATE", [jobs[0].id])
        send(line, sql, params)
        pid = connection.connection.pgconn.backend_pid
        other_session.execute("SELECT pg_terminate_backend(%s)", [pid])
        other_session.execute("ROLLBACK")
        broken.append(pid)
        return None

    monkeypatch.setattr(inflight.Line, "send", send_then_break)
    # when the bundle reads that answer
    states = run_bundle(ids_of(jobs), message_id=str(uuid.uuid4()), worker="w1")
    # then the success was recorded again, once
    assert broken
    assert states == ["succeeded", "succeeded"]
    for job in jobs:
        job.refresh_from_db()
        assert (job.state, job.attempts) == ("succeeded", 1)
        assert JobAttempt.objects.filter(job=job).count() == 1


def test_an_attempt_that_lost_its_lease_meanwhile_records_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given the first job's lease taken back (the reconciler) just before its success
    # goes out
    jobs = JobFactory.create_batch(2)
    send = inflight.Line.send
    taken: list[bool] = []

    def take_then_send(line: inflight.Line, sql: str, params: Any) -> None:
        if not taken:
            Job.objects.filter(pk=jobs[0].pk).update(lease_token=uuid.uuid4())
            taken.append(True)
        send(line, sql, params)

    monkeypatch.setattr(inflight.Line, "send", take_then_send)
    states = run_bundle(ids_of(jobs), message_id=str(uuid.uuid4()), worker="w1")
    # then its answer says so: not recorded, and the next one is
    assert states == [None, "succeeded"]
    assert not JobAttempt.objects.filter(job=jobs[0]).exists()
    jobs[1].refresh_from_db()
    assert jobs[1].state == "succeeded"
