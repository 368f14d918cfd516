"""Long-poll on PostgreSQL: waits are woken by the NOTIFY of the final transition, through
one listening connection per process, not by polling and not a connection per wait."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from asgiref.sync import async_to_sync
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from conveyor.clients.models import ApiClient
from conveyor.clients.services import api_client_create
from conveyor.jobs import longpoll, selectors, services
from conveyor.jobs.models import Job
from conveyor.jobs.representation import job_representation
from conveyor_worker import attempts
from conveyor_worker.attempts import Failure
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


@pytest.fixture
def me_api() -> tuple[APIClient, ApiClient, str]:
    """A client allowed to submit and read, an HTTP test client with its key, the key."""
    made, key = api_client_create(
        name=f"lp-{uuid.uuid4().hex[:6]}", scopes=["jobs:read", "jobs:write"]
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api, made, key


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


# ---- the final row in the worker's notification ---------------------------------------


def _closing(call: Callable[[], Any]) -> Callable[[], Any]:
    """``call``, then this thread's database connections closed (the test database is
    dropped at the end of the run, and a connection left open would keep it)."""

    def run() -> Any:
        try:
            return call()
        finally:
            connections.close_all()

    return run


def _submitted_and_finished(
    submit: Callable[[], Any], me: ApiClient, *, waiting: Callable[[], object] = lambda: None
) -> tuple[Any, Job]:
    """``submit()`` (a submission that waits) in a thread; once it waits, ``waiting()``,
    then a worker's claim and success of its job. The response, and the job."""
    with ThreadPoolExecutor(1) as pool:
        posted = pool.submit(_closing(submit))
        wait_until(lambda: longpoll.listener().waiting == 1, timeout=30, message="the wait")
        waiting()
        job = Job.objects.get(client=me)
        lease = attempts.claim(job.pk, worker="w1", message_id=None)
        assert lease is not None
        assert attempts.record_success(lease, {"answer": 42})
        return posted.result(timeout=60), job


def _final_row(job: Job) -> dict[str, object]:
    """The job's row as the worker's outcome statement sends it (``row_to_json``)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(j)::text FROM jobs_job j WHERE j.id = %s", [job.pk])
        (text,) = cursor.fetchone()
    row: dict[str, object] = json.loads(text)
    return row


def _finished(client: ApiClient, *, result: object = None, failure: Failure | None = None) -> Job:
    job = services.job_create(client=client, type="demo.noop", params={}, labels={"a": "b"})
    lease = attempts.claim(job.pk, worker="w1", message_id=None)
    assert lease is not None
    assert attempts.record_progress(lease, 40.5, "almost")
    if failure is None:
        assert attempts.record_success(lease, result)
    else:
        assert attempts.record_failure(lease, failure)
    return Job.objects.get(pk=job.pk)


def test_a_final_row_makes_the_job_a_read_makes(client: ApiClient) -> None:
    # given jobs as they end: with a result, with an error, cancelled, and one not final
    jobs = [
        _finished(client, result={"answer": 42, "list": [1, 2.5, None]}),
        _finished(client, failure=Failure(type="ValueError", message="no", traceback="tb")),
        services.job_cancel(job=_waiting_job(client)),
        _waiting_job(client),
    ]
    fields = [field.attname for field in Job._meta.concrete_fields]
    for job in jobs:
        read = Job.objects.get(pk=job.pk)
        # when each is made from its row as PostgreSQL's row_to_json gives it
        made = longpoll.job_from_row(_final_row(read))
        # then it has every value a read gives, and shows the same to a client
        assert made is not None
        assert [getattr(made, f) for f in fields] == [getattr(read, f) for f in fields]
        assert job_representation(made) == job_representation(read)


def test_a_row_that_does_not_convert_makes_no_job(client: ApiClient) -> None:
    row = _final_row(_waiting_job(client))
    assert longpoll.job_from_row({k: v for k, v in row.items() if k != "state"}) is None
    assert longpoll.job_from_row({**row, "created_at": "yesterday"}) is None


def test_the_workers_final_notification_carries_the_row_when_it_fits(client: ApiClient) -> None:
    params = connection.get_connection_params()
    with psycopg.Connection.connect(**{**params, "autocommit": True}) as listening:
        listening.execute(f'LISTEN "{longpoll.CHANNEL}"')
        # when a worker records a small result, and then a result too large for a payload
        small = _finished(client, result={"answer": 42})
        large = _finished(client, result={"text": "x" * longpoll.ROW_PAYLOAD_LIMIT})
        payloads = [note.payload for note in listening.notifies(timeout=10, stop_after=2)]
    # then the first notification is the final row, the second only the job's id
    first = json.loads(payloads[0])
    assert (first["id"], first["state"], first["result"]) == (
        str(small.pk),
        "succeeded",
        {"answer": 42},
    )
    assert payloads[1] == str(large.pk)


def test_a_submission_waiting_is_answered_from_the_final_row(
    me_api: tuple[APIClient, ApiClient, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(longpoll, "BACKSTOP_SECONDS", 120.0)
    reads: list[object] = []
    job_get = selectors.job_get

    def counted(**kwargs: object) -> Job:
        reads.append(kwargs["job_id"])
        return job_get(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(selectors, "job_get", counted)
    api, me, _ = me_api
    # given a client submitting a job and waiting for its outcome, when a worker records
    # it (one statement, whose notification has the row)
    response, job = _submitted_and_finished(
        lambda: api.post("/v1/jobs?wait=30", {"type": "demo.noop"}, format="json"), me
    )
    # then the answer is the finished job, made from the row: the job was not read again
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "succeeded"
    assert response.json()["result"] == {"answer": 42}
    assert response["Location"] == f"/v1/jobs/{job.pk}"
    assert reads == []


def test_under_asgi_the_answer_from_the_row_takes_no_thread_hop(
    me_api: tuple[APIClient, ApiClient, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from asgiref import sync
    from django.test import AsyncClient

    monkeypatch.setattr(longpoll, "BACKSTOP_SECONDS", 120.0)
    hops: list[str] = []
    run_in_thread = sync.SyncToAsync.__call__

    async def counted(self: sync.SyncToAsync[Any, Any], *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await run_in_thread(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counted)
    _, me, key = me_api
    http = AsyncClient()
    hops_before_outcome: list[int] = []

    def submit_and_wait() -> Any:
        return async_to_sync(http.post)(
            "/v1/jobs?wait=30",
            {"type": "demo.noop"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )

    response, _ = _submitted_and_finished(
        submit_and_wait, me, waiting=lambda: hops_before_outcome.append(len(hops))
    )
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "succeeded"
    # after the outcome, the only hop is the response's close, once it was sent
    assert hops[hops_before_outcome[0] :] == ["HttpResponseBase.close"], hops
