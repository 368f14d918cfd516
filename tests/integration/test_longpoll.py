"""Long-poll on PostgreSQL: waits are woken by the NOTIFY of the final transition, through
one listening connection per process, not by polling and not a connection per wait."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.utils import timezone

from conveyor.clients.models import ApiClient
from conveyor.clients.services import api_client_create
from conveyor.jobs import longpoll, services
from conveyor.jobs.models import Job
from conveyor_worker import attempts
from tests.procs import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _listener_stopped_after() -> Iterator[None]:
    yield
    longpoll.stop_listeners()  # its connection would keep the test database open


@pytest.fixture
def client() -> ApiClient:
    made, _ = api_client_create(name=f"lp-{uuid.uuid4().hex[:6]}", scopes=["jobs:read"])
    return made


def _waiting_job(client: ApiClient) -> Job:
    """A job that stays as it is (scheduled an hour ahead: nothing publishes it)."""
    return services.job_create(
        client=client, type="demo.noop", params={}, run_at=timezone.now() + timedelta(hours=1)
    )


def _wait(job: Job, seconds: float) -> str:
    """A request's wait, in a thread of its own (as asgiref runs it), then the state."""
    try:
        async_to_sync(longpoll.wait_final)(job.pk, timedelta(seconds=seconds))
        found = Job.objects.get(pk=job.pk)
        return found.state
    finally:
        connection.close()


def _listening_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query LIKE 'LISTEN %%'"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def test_many_waits_share_one_connection_and_each_wakes_when_its_job_ends(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a backstop re-read far off, so only the NOTIFY can wake a wait in time
    monkeypatch.setattr(longpoll, "BACKSTOP_SECONDS", 120.0)
    # given 20 waits of up to 240 s, on 20 jobs
    jobs = [_waiting_job(client) for _ in range(20)]
    with ThreadPoolExecutor(len(jobs)) as pool:
        waits: list[Future[str]] = [pool.submit(_wait, job, 240) for job in jobs]
        wait_until(
            lambda: longpoll.listener().waiting == len(jobs),
            timeout=30,
            message="every request to wait",
        )
        # then one connection listens for all of them,
        assert _listening_connections() == 1
        # none is answered yet,
        assert not any(w.done() for w in waits)
        # and when one job is cancelled, its wait alone answers, at once
        services.job_cancel(job=Job.objects.get(pk=jobs[0].pk))
        assert waits[0].result(timeout=60) == "cancelled"
        assert not any(w.done() for w in waits[1:])
        # and so does each of the others when its job ends
        for job in jobs[1:]:
            services.job_cancel(job=Job.objects.get(pk=job.pk))
        assert [w.result(timeout=60) for w in waits[1:]] == ["cancelled"] * (len(jobs) - 1)


def test_a_wait_survives_the_listener_losing_its_connection(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(longpoll, "BACKSTOP_SECONDS", 120.0)
    job = _waiting_job(client)
    with ThreadPoolExecutor(1) as pool:
        waited = pool.submit(_wait, job, 240)
        wait_until(lambda: longpoll.listener().waiting == 1, timeout=30, message="the wait")
        # when the server ends the listening connection
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN %%'"
            )
        wait_until(
            lambda: _listening_connections() == 1 and longpoll.listener().listening.is_set(),
            timeout=30,
            message="the listener to listen again",
        )
        # then a job that ends afterwards still wakes its wait
        services.job_cancel(job=Job.objects.get(pk=job.pk))
        assert waited.result(timeout=60) == "cancelled"


def test_a_notification_of_another_job_does_not_end_the_wait(client: ApiClient) -> None:
    job = _waiting_job(client)
    with ThreadPoolExecutor(1) as pool:
        waited = pool.submit(_wait, job, 3)
        wait_until(lambda: longpoll.listener().waiting == 1, timeout=30, message="the wait")
        # when another job's final transition is notified, and a payload that is no job's
        longpoll.notify_final(uuid.uuid4())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [longpoll.CHANNEL])
        # then the wait goes on to its end, and answers the job as it is
        assert waited.result(timeout=60) == "scheduled"


def test_the_workers_outcome_statement_wakes_the_wait(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(longpoll, "BACKSTOP_SECONDS", 120.0)
    # given a job queued, and a request waiting for it
    job = services.job_create(client=client, type="demo.noop", params={})
    with ThreadPoolExecutor(1) as pool:
        waited = pool.submit(_wait, job, 240)
        wait_until(lambda: longpoll.listener().waiting == 1, timeout=30, message="the wait")
        # when a worker claims it and records its success (one statement that notifies)
        lease = attempts.claim(job.pk, worker="w1", message_id=None)
        assert lease is not None
        assert attempts.record_success(lease, {"answer": 42})
        # then the wait answers at once, with the finished job
        assert waited.result(timeout=60) == "succeeded"
