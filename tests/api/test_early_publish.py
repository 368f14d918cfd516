"""A submission's message goes out while PostgreSQL inserts its row (``jobs/services.py``
``job_store``, ``jobs/insert.py`` ``inserting``), and a worker that sees the message
before the row waits for it (``conveyor_worker/execute.py``)."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import psycopg
import pytest
from django.db import connection, connections
from django.utils import timezone

from conveyor.clients.models import ApiClient
from conveyor.core import inflight
from conveyor.jobs import services
from conveyor.jobs.models import Job
from conveyor.jobs.publishing import Message, Outgoing
from conveyor_worker import admission, execute
from tests import shared_services as real_services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres() -> None:
    real_services.require("postgres")


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[Outgoing]:
    sent: list[Outgoing] = []
    monkeypatch.setattr(services, "publish_all", sent.extend)
    return sent


def test_the_message_goes_out_while_the_row_is_inserted(
    me: ApiClient, other_session: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the INSERT prepared on this connection (a first submission), and another
    # session holding the jobs table, so that no INSERT can finish meanwhile
    monkeypatch.setattr(services, "publish_all", lambda messages: None)
    services.job_create(client=me, type="demo.noop", params={})
    other_session.execute("BEGIN")
    other_session.execute("LOCK TABLE jobs_job IN SHARE MODE")
    with connection.cursor() as cursor:  # an INSERT made to wait fails, not hangs
        cursor.execute("SET lock_timeout = '5s'")
    sent: list[Message] = []

    def publish(messages: list[Message]) -> None:
        sent.extend(messages)
        other_session.execute("ROLLBACK")  # the INSERT may go on now

    monkeypatch.setattr(services, "publish_all", publish)
    # when a job is submitted
    job = services.job_create(client=me, type="demo.noop", params={})
    # then its message went out before the INSERT could end, and the row is stored
    assert [m.job_id for m in sent] == [job.pk]
    assert Job.objects.get(pk=job.pk).state == "queued"


@pytest.mark.parametrize("setting", ["CONVEYOR_EARLY_PUBLISH", "CONVEYOR_TRACING"])
def test_switched_off_or_traced_the_message_follows_the_row(
    me: ApiClient,
    other_session: psycopg.Connection[Any],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
) -> None:
    # with tracing on, the INSERT goes through the traced cursor, keeping its span
    setattr(settings, setting, setting == "CONVEYOR_TRACING")
    visible: list[bool] = []

    def publish(messages: list[Message]) -> None:
        [message] = messages
        query = "SELECT 1 FROM jobs_job WHERE id = %s"
        visible.append(other_session.execute(query, [message.job_id]).fetchone() is not None)

    monkeypatch.setattr("conveyor.jobs.publishing.publish_all", publish)
    services.job_create(client=me, type="demo.noop", params={})
    assert visible == [True]


def test_a_failed_insert_fails_the_submission_after_its_message(
    me: ApiClient, published: list[Outgoing]
) -> None:
    # given a job whose row cannot be stored (its id taken)
    first = services.job_create(client=me, type="demo.noop", params={})
    second = services.prepare_job(client=me, now=timezone.now(), type="demo.noop", params={})
    second.pk = first.pk
    # when it is submitted, then the INSERT's error is the submission's
    with pytest.raises(Exception, match="duplicate key"):
        services.job_store(second)
    assert len(published) == 2  # the second message went out: the worker drops it
    # and the connection is usable again
    assert Job.objects.filter(pk=first.pk).count() == 1


def test_a_message_ahead_of_its_row_waits_for_it(
    me: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a job whose row commits only once the worker's claim has missed it
    job = services.prepare_job(client=me, now=timezone.now(), type="demo.noop", params={})
    claims = counted_claims(monkeypatch)

    def store_later() -> None:
        deadline = time.monotonic() + 10
        while not claims and time.monotonic() < deadline:
            time.sleep(0.001)
        from conveyor.jobs.insert import insert_job

        try:
            insert_job(job)
        finally:
            connections.close_all()

    storing = threading.Thread(target=store_later)
    storing.start()
    # when the worker runs the message, then it finds the row and runs the job
    try:
        assert execute.run_job(str(job.pk), message_id=str(uuid.uuid4()), worker="w1") == (
            "succeeded"
        )
    finally:
        storing.join()


def counted_claims(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The worker's claims from now on, each job id once its claim was made."""
    claims: list[str] = []
    claim = admission.claim_within_limits

    def counted(job_id: str, **kwargs: Any) -> Any:
        try:
            return claim(job_id, **kwargs)
        finally:
            claims.append(job_id)  # once the claim is made

    monkeypatch.setattr(execute, "claim_within_limits", counted)
    return claims


def test_a_message_whose_row_never_comes_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(execute, "UNSEEN_JOB_WAIT_SECONDS", 0.2)
    claims = counted_claims(monkeypatch)
    assert execute.run_job(str(uuid.uuid4()), message_id=str(uuid.uuid4()), worker="w1") is None
    assert len(claims) > 3  # asked again until the wait was over


def test_a_message_of_a_job_not_queued_is_dropped_at_once(
    me: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = services.prepare_job(client=me, now=timezone.now(), type="demo.noop", params={})
    job.state = "succeeded"
    job.save(force_insert=True)
    claims = counted_claims(monkeypatch)
    assert execute.run_job(str(job.pk), message_id=str(uuid.uuid4()), worker="w1") is None
    assert len(claims) == 2  # the row is there: one more claim, no waiting


def test_lines_share_what_a_connection_has_prepared(me: ApiClient) -> None:
    # a pooled connection goes from thread to thread, each with a line of its own
    for line in (inflight.Line(), inflight.Line()):
        line.send("SELECT %s::int + 1", [41])
        assert line.answer() == 1


def test_a_row_that_comes_between_the_claim_and_the_look_is_claimed(
    me: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a job whose row commits just after the worker's first claim missed it
    job = services.prepare_job(client=me, now=timezone.now(), type="demo.noop", params={})
    claim = admission.claim_within_limits
    claims: list[str] = []

    def missed_then_committed(job_id: str, **kwargs: Any) -> Any:
        claims.append(job_id)
        if len(claims) == 1:
            from conveyor.jobs.insert import insert_job

            insert_job(job)
            return None
        return claim(job_id, **kwargs)

    monkeypatch.setattr(execute, "claim_within_limits", missed_then_committed)
    # when the message runs, then the job is claimed and run, not dropped
    assert execute.run_job(str(job.pk), message_id=str(uuid.uuid4()), worker="w1") == "succeeded"
    assert len(claims) == 2


def test_with_tracing_on_statements_keep_their_spans(settings: Any) -> None:
    # a statement sent unwaited has no span: with tracing on, none is sent so
    assert inflight.available(connection)
    settings.CONVEYOR_TRACING = True
    assert not inflight.available(connection)


def test_a_statement_deallocated_behind_the_lines_back_is_prepared_again(
    me: ApiClient, published: list[Outgoing]
) -> None:
    # given the INSERT prepared on this connection, then every prepared statement of the
    # session dropped (psycopg sends DEALLOCATE ALL after a ROLLBACK when it has prepared
    # statements of its own)
    services.job_create(client=me, type="demo.noop", params={})
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    # when another job is submitted, then it is stored
    job = services.job_create(client=me, type="demo.noop", params={})
    assert Job.objects.get(pk=job.pk).state == "queued"
    assert len(published) == 2
