"""``POST /v1/jobs`` served in front of Django's handler (jobs/direct_submit.py): a plain
submission is answered there, as Django would answer it, and everything else is left to
Django, which answers as before. Each case sends one request through the ASGI
application, once with the direct path in front and once without, and compares."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, connections

from conveyor.clients.models import ApiClient
from conveyor.clients.scopes import JOBS_READ, JOBS_WRITE
from conveyor.config.asgi import ApiHandler
from conveyor.core.metrics import api_metrics
from conveyor.jobs import direct_submit, longpoll
from conveyor.jobs.direct_submit import DirectSubmit
from conveyor.jobs.models import Job
from conveyor_worker import attempts
from tests.factories import ApiClientFactory
from tests.procs import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

# What differs between two answers to the same submission: the job's id and instants.
PER_JOB = {"id", "created_at", "queued_at", "updated_at", "run_at"}
PER_RESPONSE = {b"date", b"location", b"content-length"}


@dataclass
class Answer:
    status: int
    headers: dict[bytes, bytes]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Counting:
    """An ASGI app that counts the requests it is given (Django's handler, behind the
    direct path)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.calls = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += 1
        await self.app(scope, receive, send)


def call(
    app: Any,
    *,
    body: bytes | str | dict[str, Any],
    headers: dict[str, str],
    query: str = "",
    scheme: str = "http",
    leaves: bool = False,
) -> Answer:
    """One request through ``app``, as uvicorn makes it; ``leaves``: the client goes
    away once it has sent its body (then the answer is empty, status 0, if none came)."""
    raw = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body))
    data = raw.encode() if isinstance(raw, str) else raw
    sent = {"host": "localhost", "content-type": "application/json", **headers}
    sent.setdefault("content-length", str(len(data)))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": scheme,
        "path": "/v1/jobs",
        "raw_path": b"/v1/jobs",
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in sent.items()],
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }
    messages: list[dict[str, Any]] = []

    async def run() -> None:
        given = False

        async def receive() -> dict[str, Any]:
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": data, "more_body": False}
            if not leaves:
                await asyncio.Event().wait()  # the client stays; cancelled when answered
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)

        await app(scope, receive, send)

    asyncio.run(run())
    if leaves and not messages:
        return Answer(0, {}, b"")
    start = next(m for m in messages if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    # Names as they go on the wire: HTTP's are case-insensitive, uvicorn's lowercase.
    answered = {name.lower(): value for name, value in start["headers"]}
    return Answer(start["status"], answered, content)


@pytest.fixture(autouse=True)
def _closed_at_request_end() -> Iterator[None]:
    """Each request's connection closed when it ends, as the API's pool gives it back: a
    request thread kept for the next request would hold the test database open."""
    saved = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 0
    yield
    connection.settings_dict["CONN_MAX_AGE"] = saved


@pytest.fixture
def apps() -> tuple[DirectSubmit, Counting, ApiHandler]:
    """The direct path in front of a counted Django handler, and Django's handler alone
    (made after any setting a test changed, as a process makes them at start)."""
    assert direct_submit.enabled()
    behind = Counting(ApiHandler())
    return DirectSubmit(behind), behind, ApiHandler()


@pytest.fixture
def key() -> str:
    return ApiClientFactory.with_key(scopes=[JOBS_READ, JOBS_WRITE])[1]


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def same_answer(direct: Answer, django: Answer) -> None:
    assert direct.status == django.status, (direct.body, django.body)
    assert {k: v for k, v in direct.headers.items() if k not in PER_RESPONSE} == {
        k: v for k, v in django.headers.items() if k not in PER_RESPONSE
    }
    if direct.headers.get(b"content-type", b"").endswith(b"json"):
        mine, theirs = direct.json(), django.json()
        if direct.status in (200, 201):
            mine = {k: v for k, v in mine.items() if k not in PER_JOB}
            theirs = {k: v for k, v in theirs.items() if k not in PER_JOB}
        assert mine == theirs
    else:
        assert direct.body == django.body


# ---- served directly ------------------------------------------------------------------


def test_a_plain_submission_is_answered_as_django_answers_it(
    apps: tuple[DirectSubmit, Counting, ApiHandler], key: str
) -> None:
    direct, behind, django = apps
    body = {"type": "demo.sleep", "params": {"seconds": 0.5}, "labels": {"team": "hé"}}

    mine = call(direct, body=body, headers=bearer(key))
    theirs = call(django, body=body, headers=bearer(key))

    assert behind.calls == 0
    same_answer(mine, theirs)
    assert mine.status == 201
    job = Job.objects.get(pk=mine.json()["id"])
    assert mine.headers[b"location"] == f"/v1/jobs/{job.pk}".encode()
    assert (job.type, job.params, job.labels, job.state) == (
        "demo.sleep",
        {"seconds": 0.5, "steps": 10},
        {"team": "hé"},
        "queued",
    )
    assert job.published_at is not None
    assert Job.objects.count() == 2


def test_a_scheduled_submission_is_served_directly(
    apps: tuple[DirectSubmit, Counting, ApiHandler], key: str
) -> None:
    direct, behind, django = apps
    body = {"type": "demo.noop", "delay_seconds": 60, "priority": 9, "queue": "default"}

    mine = call(direct, body=body, headers=bearer(key))

    assert behind.calls == 0
    same_answer(mine, call(django, body=body, headers=bearer(key)))
    assert mine.json()["state"] == "scheduled"
    assert mine.json()["run_at"] is not None


def test_the_submission_is_counted_in_the_request_metrics(
    apps: tuple[DirectSubmit, Counting, ApiHandler], key: str
) -> None:
    direct, behind, _ = apps
    counter = api_metrics().requests.labels(route="v1/jobs", method="POST", status="201")
    before = counter._value.get()

    call(direct, body={"type": "demo.noop"}, headers=bearer(key))

    assert behind.calls == 0
    assert counter._value.get() == before + 1


def test_hsts_behind_an_https_proxy_is_sent_as_django_sends_it(settings: Any, key: str) -> None:
    settings.CONVEYOR_HTTPS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600
    behind = Counting(ApiHandler())
    direct = DirectSubmit(behind)
    headers = {**bearer(key), "x-forwarded-proto": "https"}

    mine = call(direct, body={"type": "demo.noop"}, headers=headers)
    theirs = call(ApiHandler(), body={"type": "demo.noop"}, headers=headers)

    assert behind.calls == 0
    assert mine.headers[b"strict-transport-security"] == b"max-age=3600"
    same_answer(mine, theirs)


# ---- left to Django ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers", "query", "status"),
    [
        ({"type": "demo.nope"}, {}, "", 400),  # unknown type
        ({"type": "demo.noop", "params": {"x": 1}}, {}, "", 400),  # params refused
        ({"type": "demo.noop", "priority": 11}, {}, "", 400),  # envelope refused
        ({"type": "demo.noop", "color": "red"}, {}, "", 400),  # unknown field
        ('{"type": "demo.noop"', {}, "", 400),  # not JSON
        ('{"type": "demo.noop", "params": {"a": NaN}}', {}, "", 400),  # not strict JSON
        ("[1, 2]", {}, "", 400),  # not an object
        ({"type": "demo.noop"}, {"authorization": "Bearer cvk_nope"}, "", 401),
        ({"type": "demo.noop"}, {"authorization": "Basic abc"}, "", 401),
        ({"type": "demo.noop"}, {"content-type": "text/plain"}, "", 415),
        ({"type": "demo.noop"}, {"accept": "text/html"}, "", 406),
        ({"type": "demo.noop"}, {"host": "evil.example"}, "", 400),
        ({"type": "demo.noop"}, {"content-length": str(2 * 1024 * 1024)}, "", 413),
        ({"type": "demo.noop"}, {}, "wait=abc", 400),
        ({"type": "demo.noop"}, {}, "format=json", 400),
    ],
)
def test_anything_but_a_plain_submission_is_answered_by_django(
    apps: tuple[DirectSubmit, Counting, ApiHandler],
    key: str,
    body: Any,
    headers: dict[str, str],
    query: str,
    status: int,
) -> None:
    direct, behind, django = apps
    sent = {**bearer(key), **headers}

    mine = call(direct, body=body, headers=sent, query=query)
    stored = Job.objects.count()
    theirs = call(django, body=body, headers=sent, query=query)

    assert behind.calls == 1
    assert mine.status == status, mine.body
    assert stored == (1 if status == 201 else 0)
    same_answer(mine, theirs)


def test_an_idempotent_submission_is_answered_by_django(
    apps: tuple[DirectSubmit, Counting, ApiHandler], key: str
) -> None:
    direct, behind, _ = apps
    headers = {**bearer(key), "idempotency-key": "k-1"}

    first = call(direct, body={"type": "demo.noop"}, headers=headers)
    again = call(direct, body={"type": "demo.noop"}, headers=headers)

    assert behind.calls == 2
    assert (first.status, again.status) == (201, 200)
    assert again.headers[b"idempotent-replayed"] == b"true"
    assert Job.objects.count() == 1


def test_a_key_without_the_write_scope_is_refused_by_django(
    apps: tuple[DirectSubmit, Counting, ApiHandler],
) -> None:
    direct, behind, _ = apps
    key = ApiClientFactory.with_key(scopes=[JOBS_READ])[1]

    mine = call(direct, body={"type": "demo.noop"}, headers=bearer(key))

    assert behind.calls == 1
    assert mine.status == 403
    assert Job.objects.count() == 0


def test_a_client_over_its_request_rate_is_refused_once_counted_once(
    apps: tuple[DirectSubmit, Counting, ApiHandler], settings: Any
) -> None:
    settings.CONVEYOR_THROTTLE_RATE = "2/min"
    direct, behind, _ = apps
    client, key = ApiClientFactory.with_key(scopes=[JOBS_WRITE])
    ApiClient.objects.filter(pk=client.pk).update(throttle_rate="2/min")

    answers = [call(direct, body={"type": "demo.noop"}, headers=bearer(key)) for _ in range(3)]

    # Each request counted once: two served here, the third refused by Django.
    assert [a.status for a in answers] == [201, 201, 429]
    assert behind.calls == 1
    assert b"retry-after" in answers[2].headers
    assert Job.objects.count() == 2


def test_a_client_at_its_unfinished_jobs_limit_is_refused_by_django(
    apps: tuple[DirectSubmit, Counting, ApiHandler], settings: Any, key: str
) -> None:
    settings.CONVEYOR_MAX_UNFINISHED_JOBS = 1
    direct, behind, _ = apps

    answers = [call(direct, body={"type": "demo.noop"}, headers=bearer(key)) for _ in range(2)]

    assert [a.status for a in answers] == [201, 429]
    assert behind.calls == 1
    assert Job.objects.count() == 1


def test_plain_http_behind_an_https_proxy_is_redirected_by_django(settings: Any, key: str) -> None:
    settings.CONVEYOR_HTTPS = True
    behind = Counting(ApiHandler())

    answer = call(
        DirectSubmit(behind),
        body={"type": "demo.noop"},
        headers={**bearer(key), "x-forwarded-proto": "http"},
    )

    assert behind.calls == 1
    assert answer.status == 301
    assert Job.objects.count() == 0


# ---- when it is on ------------------------------------------------------------------------


def test_it_is_off_when_asked(settings: Any) -> None:
    settings.CONVEYOR_DIRECT_SUBMIT = False
    assert not direct_submit.enabled()


def test_it_is_off_with_middleware_it_would_skip(settings: Any) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django.middleware.locale.LocaleMiddleware"]
    assert not direct_submit.enabled()


def test_the_api_application_serves_it_when_on() -> None:
    from conveyor.config.asgi import get_application

    assert isinstance(get_application(), DirectSubmit)


# ---- POST /v1/jobs?wait=N -----------------------------------------------------------------


@pytest.fixture
def _listener_stopped_after() -> Iterator[None]:
    yield
    longpoll.stop_listeners()  # its connection would keep the test database open


def _reads_of_the_state(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Each read of a waited job's state (``longpoll._final``), recorded."""
    reads: list[object] = []
    read = longpoll._final

    def recorded(job_id: Any) -> bool:
        reads.append(job_id)
        return read(job_id)

    monkeypatch.setattr(longpoll, "_final", recorded)
    return reads


def _waiting_then_finished(app: Any, key: str, *, result: object) -> tuple[Answer, Job]:
    """``POST /v1/jobs?wait=30`` in a thread; once it waits, a worker's claim and success
    of its job with ``result``."""
    # Listening before the submission: a waiter registered before the listener's LISTEN
    # is woken when it connects, and reads the state then (as it must).
    wait_until(longpoll.listener().listening.is_set, timeout=30, message="the listener")
    with ThreadPoolExecutor(1) as pool:

        def submit() -> Answer:
            try:
                return call(app, body={"type": "demo.noop"}, headers=bearer(key), query="wait=30")
            finally:
                connections.close_all()

        posted = pool.submit(submit)
        wait_until(lambda: longpoll.listener().waiting == 1, timeout=30, message="the wait")
        job = Job.objects.get()
        lease = attempts.claim(job.pk, worker="w1", message_id=None)
        assert lease is not None
        assert attempts.record_success(lease, result)
        return posted.result(timeout=60), job


@pytest.mark.usefixtures("_listener_stopped_after")
def test_a_submission_that_waits_is_answered_from_the_final_row_without_a_read(
    apps: tuple[DirectSubmit, Counting, ApiHandler],
    key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    direct, behind, _ = apps
    reads = _reads_of_the_state(monkeypatch)
    counter = api_metrics().long_polls.labels(route="v1/jobs", method="POST")
    before = counter._sum.get()

    answer, job = _waiting_then_finished(direct, key, result={"answer": 42})

    assert behind.calls == 0
    assert answer.status == 201
    assert answer.headers[b"location"] == f"/v1/jobs/{job.pk}".encode()
    body = answer.json()
    assert (body["id"], body["state"], body["result"]) == (str(job.pk), "succeeded", {"answer": 42})
    # registered before the job was stored: no read before the wait, none after the row
    assert reads == []
    assert longpoll.listener().waiting == 0
    assert counter._sum.get() > before  # timed as a long-poll


@pytest.mark.usefixtures("_listener_stopped_after")
def test_a_final_row_too_large_to_be_sent_is_read(
    apps: tuple[DirectSubmit, Counting, ApiHandler], key: str
) -> None:
    direct, behind, _ = apps
    large = {"text": "x" * longpoll.ROW_PAYLOAD_LIMIT}

    answer, _ = _waiting_then_finished(direct, key, result=large)

    assert behind.calls == 0
    assert (answer.status, answer.json()["state"], answer.json()["result"]) == (
        201,
        "succeeded",
        large,
    )


@pytest.mark.usefixtures("_listener_stopped_after")
def test_a_wait_that_runs_out_is_answered_as_django_answers_it(
    apps: tuple[DirectSubmit, Counting, ApiHandler], key: str
) -> None:
    direct, behind, django = apps

    mine = call(direct, body={"type": "demo.noop"}, headers=bearer(key), query="wait=0.2")
    theirs = call(django, body={"type": "demo.noop"}, headers=bearer(key), query="wait=0.2")

    assert behind.calls == 0
    assert mine.json()["state"] == "queued"
    same_answer(mine, theirs)
    assert longpoll.listener().waiting == 0


@pytest.mark.usefixtures("_listener_stopped_after")
def test_a_client_that_leaves_while_it_waits_is_forgotten(
    apps: tuple[DirectSubmit, Counting, ApiHandler], key: str
) -> None:
    direct, behind, _ = apps

    answer = call(
        direct, body={"type": "demo.noop"}, headers=bearer(key), query="wait=30", leaves=True
    )

    assert answer.status == 0  # nothing was sent, at once
    assert behind.calls == 0
    assert Job.objects.count() == 1
    assert longpoll.listener().waiting == 0


def test_with_every_wait_slot_taken_django_answers_at_once(
    apps: tuple[DirectSubmit, Counting, ApiHandler], key: str, settings: Any
) -> None:
    settings.CONVEYOR_LONG_POLL_MAX_PER_PROCESS = 0
    direct, behind, _ = apps

    answer = call(direct, body={"type": "demo.noop"}, headers=bearer(key), query="wait=30")

    assert behind.calls == 1
    assert answer.status == 201
    assert answer.headers[longpoll.SHORTENED_HEADER.lower().encode()] == b"true"


@pytest.mark.usefixtures("_listener_stopped_after")
def test_a_wait_that_fails_is_answered_500_and_never_again_by_django(
    apps: tuple[DirectSubmit, Counting, ApiHandler], key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    direct, behind, _ = apps

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(longpoll, "waited", broken)

    answer = call(direct, body={"type": "demo.noop"}, headers=bearer(key), query="wait=30")

    assert (answer.status, answer.json()["status"]) == (500, 500)
    assert answer.headers[b"content-type"] == b"application/problem+json"
    assert "went away" not in answer.body.decode()  # the error is in the logs only
    assert behind.calls == 0
    assert Job.objects.count() == 1
    assert longpoll.listener().waiting == 0
