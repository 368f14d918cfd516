"""``POST /v1/jobs`` served without Django's request handling, when it is a plain one.

A submission through Django's ASGI handler goes through the handler's request object,
eleven middleware, URL resolution, DRF's dispatch (its request wrapper, content
negotiation, authentication, permission and throttle classes) and its response, before
and after the work itself: authenticating the key, validating the body, storing and
publishing the job. Under load that is about half the API's CPU per submission, and an
API process runs one request's Python at a time, so it is also the wait of every other
request (docs/performance.md#direct-submit).

``DirectSubmit`` wraps the ASGI application. A submission that asks for nothing but a job
(no query but ``?wait``, no ``Idempotency-Key``, a JSON body of a declared length within
the limit, a valid bearer key of a client holding ``jobs:write``, a body the serializer
accepts, under the client's limits) is served here, in one thread hop, by the same code
the view calls: the key cache, the parser, ``JobCreateInput``, the quota, the throttle,
``prepare_job`` and ``job_store``, and ``job_representation``. Its response carries the
headers Django's answer carries (the security middleware's are taken from the middleware
themselves), and it is counted in the same metrics. Anything else, and anything refused,
goes on to Django unchanged (its body replayed), which answers as it always has: every
error, header and status comes from one place. ``tests/api/test_direct_submit.py``
compares both answers.

``POST /v1/jobs?wait=N`` (on PostgreSQL) waits as the view's long-poll waits
(jobs/longpoll.py: a slot of the process's, no thread, the listener's notification, the
answer from the final row it carries), but with its waiter registered before the job is
stored: the job cannot end before that, so no read of its state precedes the wait (the
view's long-poll reads it once, on a thread, after the submission).

``CONVEYOR_DIRECT_SUBMIT=false`` turns it off; so does a ``MIDDLEWARE`` or DRF class
setting other than conveyor's, whose work this path would skip.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, cast

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.db import connections
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.request import split_domain_port, validate_host
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings

from conveyor.clients.authentication import ApiKeyAuthentication, client_for_key
from conveyor.clients.models import ApiClient
from conveyor.clients.permissions import HasScope
from conveyor.clients.scopes import JOBS_WRITE
from conveyor.clients.throttling import ClientRateThrottle
from conveyor.core import database, metrics
from conveyor.core.parsers import ConveyorJSONParser
from conveyor.core.problems import PROBLEM_CONTENT_TYPE, server_error
from conveyor.core.request_threads import request_threads
from conveyor.jobs import idempotency, longpoll, quotas, selectors
from conveyor.jobs.apis import JobCollectionApi
from conveyor.jobs.models import Job
from conveyor.jobs.representation import job_representation
from conveyor.jobs.serializers import JobCreateInput, JobSubmitQuery, submission_of
from conveyor.jobs.services import job_store, prepare_job

log = logging.getLogger(__name__)

PATH = "/v1/jobs"
ROUTE = "v1/jobs"  # the URL pattern, as MetricsMiddleware labels it

# The middleware and DRF classes whose work this path does itself (or has no need of, on
# this path: static files, the browser's middleware, the admin's lockout). Settings that
# name others turn it off.
MIDDLEWARE = [
    "conveyor.core.security.MetricsPortMiddleware",
    "conveyor.core.metrics.MetricsMiddleware",
    "conveyor.core.middleware.BodySizeLimitMiddleware",
    "conveyor.core.middleware.SecurityMiddleware",
    "conveyor.core.security.HttpsRedirectMiddleware",
    "conveyor.core.security.ContentSecurityPolicyMiddleware",
    "conveyor.core.middleware.StaticFilesMiddleware",
    "conveyor.core.middleware.CommonMiddleware",
    "conveyor.core.middleware.BrowserOnlyMiddleware",
    "conveyor.core.middleware.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]
# The middleware whose response headers this path's answers carry.
HEADER_MIDDLEWARE = (
    "conveyor.core.middleware.SecurityMiddleware",
    "conveyor.core.security.ContentSecurityPolicyMiddleware",
    "conveyor.core.middleware.XFrameOptionsMiddleware",
)
JSON_TYPES = {b"application/json", b"application/json; charset=utf-8"}
ACCEPTED = {b"*/*", b"application/json", b"application/*"}


def _allow() -> bytes:
    """``Allow``, as DRF's APIView answers for the view this path stands in for (set up
    as Django sets a view up for a request: HEAD where there is GET)."""
    view = JobCollectionApi()
    view.setup(HttpRequest())
    return ", ".join(view.allowed_methods).encode()


ALLOW = _allow()
# A header that leaves the request to Django (the view's idempotent submission).
IDEMPOTENCY_HEADER = idempotency.HEADER.lower().encode()

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Application = Callable[..., Awaitable[None]]  # (scope, receive, send)


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass(frozen=True)
class _Request:
    scope: Scope
    headers: dict[bytes, bytes]
    body: bytes
    query: str
    started: float


@dataclass(frozen=True)
class _Submitted:
    answer: _Answer
    job: Job
    client: ApiClient
    #: How long to wait for the job; None: answer now.
    wait: timedelta | None

    def answer_with(self, body: bytes) -> _Answer:
        """The answer again, with the job rendered as ``body`` (after a wait)."""
        return _Answer(status=self.answer.status, headers=self.answer.headers, body=body)


def enabled() -> bool:
    """Whether this process serves plain submissions here (see the module's docstring)."""
    return (
        settings.CONVEYOR_DIRECT_SUBMIT
        and list(settings.MIDDLEWARE) == MIDDLEWARE
        and _classes("DEFAULT_AUTHENTICATION_CLASSES") == [ApiKeyAuthentication]
        and _classes("DEFAULT_PERMISSION_CLASSES") == [HasScope]
        and _classes("DEFAULT_THROTTLE_CLASSES") == [ClientRateThrottle]
        and _classes("DEFAULT_RENDERER_CLASSES") == [JSONRenderer]
        and _classes("DEFAULT_PARSER_CLASSES") == [ConveyorJSONParser]
        and not settings.DISALLOWED_USER_AGENTS
        and not settings.PREPEND_WWW
        and not settings.SECURE_SSL_REDIRECT
        and not settings.FORCE_SCRIPT_NAME
    )


def _classes(setting: str) -> list[Any]:
    """A DRF setting's classes (imported by DRF's settings object)."""
    return list(getattr(api_settings, setting))


def security_headers(*, secure: bool) -> list[tuple[bytes, bytes]]:
    """The headers the security middleware add to a JSON response to a request made over
    https (``secure``) or not: asked of the middleware themselves, once."""
    request = _SchemeRequest("https" if secure else "http")
    response = HttpResponse(content_type="application/json")
    for path in HEADER_MIDDLEWARE:
        middleware = import_string(path)(_never_called)
        # Django's (OnTheLoopMixin) answer through process_response, conveyor's
        # (SyncAndAsyncMiddleware) through after.
        hook = getattr(middleware, "process_response", None) or middleware.after
        response = hook(request, response)
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in response.items()
        if name.lower() != "content-type"
    ]


def _never_called(request: HttpRequest) -> HttpResponse:
    raise AssertionError("security_headers calls the middleware's response hooks only")


class _SchemeRequest(HttpRequest):
    """A request of a given scheme, for ``security_headers``."""

    def __init__(self, scheme: str) -> None:
        super().__init__()
        self._scheme = scheme

    def _get_scheme(self) -> str:
        return self._scheme


class DirectSubmit:
    """The ASGI application ``app``, but for plain ``POST /v1/jobs``, served here."""

    def __init__(self, app: Application) -> None:
        self.app = app
        self.limit: int = min(
            settings.CONVEYOR_MAX_BODY_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        self.metrics_port: int | None = settings.CONVEYOR_METRICS_PORT
        self.https: bool = settings.CONVEYOR_HTTPS
        proxy = settings.SECURE_PROXY_SSL_HEADER
        self.proxy_header: tuple[bytes, str] | None = (
            (proxy[0].removeprefix("HTTP_").replace("_", "-").lower().encode(), proxy[1])
            if proxy
            else None
        )
        self.headers = {secure: security_headers(secure=secure) for secure in (False, True)}
        self.renderer = JSONRenderer()
        self.parser = ConveyorJSONParser()
        self._submit_on_thread = sync_to_async(self._submit)
        self._read_on_thread = sync_to_async(self._read)
        # A submission that waits is served here where the long-poll listener is
        # (PostgreSQL); elsewhere Django polls for it.
        self.listens = connections[database.alias()].vendor == "postgresql"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string") or b""
        if not (
            scope["type"] == "http"
            and scope["path"] == PATH
            and scope["method"] == "POST"
            and not scope.get("root_path")
            and (not query or (query.startswith(b"wait=") and self.listens))
        ):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope["headers"])
        if not self._plain(scope, headers):
            await self.app(scope, receive, send)
            return
        body = await self._body(receive)
        if body is None:  # the client left
            return
        request = _Request(scope, headers, body, query.decode("latin-1"), started)
        if len(body) <= self.limit:
            if not query:
                if await self._answered(request, send):
                    return
            else:
                # A slot of the process's long-polls, as Django's view takes one; with
                # none left, Django answers (at once, saying the wait was shortened).
                with longpoll.wait_slots.slot() as taken:
                    if taken and await self._answered(request, send, receive=receive):
                        return
        await self.app(scope, _replaying(body, receive), send)

    async def _answered(
        self, request: _Request, send: Send, *, receive: Receive | None = None
    ) -> bool:
        """Submit (and, with ``receive``, wait for the job); False if Django must answer."""
        waiter = longpoll.Waiter(asyncio.get_running_loop()) if receive else None
        async with request_threads.lent():
            submitted = await self._submit_on_thread(request, waiter)
        if submitted is None:
            return False
        answer: _Answer | None = submitted.answer
        if waiter is not None:
            try:
                if submitted.wait is not None:  # None after a failure too
                    assert receive is not None
                    answer = await self._waited(submitted, waiter, receive)
            except Exception:
                # The job is stored: answered here (a read failed, say), never by Django.
                log.exception("POST /v1/jobs?wait failed while it waited")
                answer = _server_error()
            finally:
                longpoll.listener().discard(submitted.job.pk, waiter)
        if answer is None:  # the client left while it waited
            return True
        # Before the answer is sent, as MetricsMiddleware counts it (and names the trace's
        # server span, current here, not in the send's own span).
        metrics.request_answered(
            route=ROUTE,
            method="POST",
            status=answer.status,
            elapsed=time.perf_counter() - request.started,
            long_polled=waiter is not None,
        )
        await self._send(answer, send, secure=self._secure(request.scope, request.headers))
        return True

    async def _waited(
        self, submitted: _Submitted, waiter: longpoll.Waiter, receive: Receive
    ) -> _Answer | None:
        """The answer once the job is final or the wait is over (None: the client left),
        as the view's: from the final row its notification carried, on the loop, or else
        the job read then."""
        assert submitted.wait is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + submitted.wait.total_seconds()
        waiting = asyncio.ensure_future(
            longpoll.waited(waiter, submitted.job.pk, deadline, read_first=False)
        )
        gone = asyncio.ensure_future(_disconnected(receive))
        await asyncio.wait({waiting, gone}, return_when=asyncio.FIRST_COMPLETED)
        for task in (waiting, gone):
            task.cancel()
        if not waiting.done() or waiting.cancelled():
            return None
        row = waiting.result()
        final = longpoll.job_from_row(row) if row is not None else None
        if final is not None:
            return submitted.answer_with(self.renderer.render(job_representation(final)))
        async with request_threads.lent():
            return await self._read_on_thread(submitted)

    def _read(self, submitted: _Submitted) -> _Answer:
        """The job as it is now, rendered (after a wait without its final row)."""
        try:
            job = selectors.job_get(client=submitted.client, job_id=submitted.job.pk)
            return submitted.answer_with(self.renderer.render(job_representation(job)))
        except Exception:
            log.exception("POST /v1/jobs?wait failed after the wait")
            return _server_error()
        finally:
            signals.request_finished.send(sender=self.__class__)

    def _plain(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        """Whether the request's line and headers leave it to this path: one header of a
        name (Django would see the last of several, this path the first), a JSON body of
        a declared length within the limits, a JSON answer accepted, none of the things
        Django's middleware act on (a host it refuses, http behind an https proxy, the
        metrics port)."""
        if len(headers) != len(scope["headers"]):
            return False
        if headers.get(b"content-type", b"").lower() not in JSON_TYPES:
            return False
        if headers.get(b"accept", b"*/*") not in ACCEPTED:
            return False
        if b"authorization" not in headers or IDEMPOTENCY_HEADER in headers:
            return False
        if b"transfer-encoding" in headers or b"x-http-method-override" in headers:
            return False
        length = headers.get(b"content-length", b"")
        if not length.isdigit() or int(length) > self.limit:
            return False
        if self.https and _first(headers.get(b"x-forwarded-proto", b"")) == "http":
            return False
        server = scope.get("server")
        if self.metrics_port is not None and server and server[1] == self.metrics_port:
            return False
        if settings.USE_X_FORWARDED_HOST and b"x-forwarded-host" in headers:
            return False
        host = headers.get(b"host")
        if host is None:
            return False
        domain, _ = split_domain_port(host.decode("latin-1"))
        return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)

    def _secure(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        """``HttpRequest.is_secure``, from the scope and headers."""
        if self.proxy_header is not None:
            name, value = self.proxy_header
            found = headers.get(name)
            if found is not None:
                return found.decode("latin-1").split(",")[0].strip() == value
        return bool(scope.get("scheme") == "https")

    @staticmethod
    async def _body(receive: Receive) -> bytes | None:
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _submit(self, request: _Request, waiter: longpoll.Waiter | None) -> _Submitted | None:
        """The submission, on a request thread, or None to leave it to Django (nothing
        stored then). ``waiter`` is registered for the job before it is stored."""
        signals.request_started.send(sender=self.__class__)
        try:
            return self._stored(request, waiter)
        finally:
            # As Django's handler at the end of a request: the connection goes back to
            # the pool.
            signals.request_finished.send(sender=self.__class__)

    def _stored(self, request: _Request, waiter: longpoll.Waiter | None) -> _Submitted | None:
        try:
            prepared = self._prepared(request)
        except Exception as exc:
            # Django answers it, as it would have: its view meets the same refusal (a
            # parse error, a job type's check, the client's limit, the database down).
            log.debug("POST /v1/jobs left to Django: %r", exc)
            return None
        if prepared is None:
            return None
        job, client, wait = prepared
        try:
            if waiter is not None:
                longpoll.listener().add(job.pk, waiter)
            job_store(job)
            data = self.renderer.render(job_representation(job))
        except Exception:
            # Stored, or perhaps stored: answered here, never again by Django, which
            # would store a second job.
            log.exception("POST /v1/jobs failed")
            return _Submitted(_server_error(), job, client, None)
        created = _Answer(status=201, headers=_created_headers(job), body=data)
        return _Submitted(created, job, client, None if job.is_final else wait)

    def _prepared(self, request: _Request) -> tuple[Job, ApiClient, timedelta | None] | None:
        """The job to store, its client and the wait asked, or None when Django should
        answer."""
        wait: timedelta | None = None
        if request.query:
            query = JobSubmitQuery(data=QueryDict(request.query))
            if not query.is_valid() or query.validated_data.get("wait") is None:
                return None
            wait = query.validated_data["wait"]
        parts = request.headers[b"authorization"].split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            return None
        client = client_for_key(parts[1].decode("latin-1"))
        if client is None or not client.has_scope(JOBS_WRITE):
            return None
        data = self.parser.parse(io.BytesIO(request.body))
        serializer = JobCreateInput(data=data)
        if not serializer.is_valid():
            return None
        quotas.check_unfinished_jobs(client=client, adding=1)
        job = prepare_job(
            client=client, now=timezone.now(), **submission_of(serializer.validated_data)
        )
        # Last, as it counts the request: one Django answers is counted there.
        if not _throttle_allows(client):
            return None
        return job, client, wait

    async def _send(self, answer: _Answer, send: Send, *, secure: bool) -> None:
        headers = [
            *answer.headers,
            *self.headers[secure],
            (b"content-length", str(len(answer.body)).encode()),
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})


def _created_headers(job: Job) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", b"application/json"),
        (b"location", f"/v1/jobs/{job.id}".encode()),
        (b"allow", ALLOW),
    ]


async def _disconnected(receive: Receive) -> None:
    """Return once the client has gone (what it sends after its body is ignored)."""
    while (await receive())["type"] != "http.disconnect":
        pass


def _throttle_allows(client: ApiClient) -> bool:
    """DRF's throttle check, as its view makes it (``ClientRateThrottle`` reads only the
    request's client)."""
    request = cast(Any, SimpleNamespace(user=client))
    return ClientRateThrottle().allow_request(request, None)


def _server_error() -> _Answer:
    """Django's handler500's answer (``problems.server_error_view``)."""
    return _Answer(
        status=500,
        headers=[(b"content-type", PROBLEM_CONTENT_TYPE.encode())],
        body=json.dumps(server_error(PATH)).encode(),
    )


def _first(value: bytes) -> str:
    """The first of a comma-separated header's values (a proxy's), as Django reads it."""
    return value.decode("latin-1").split(",")[0].strip().lower()


def _replaying(body: bytes, receive: Receive) -> Receive:
    """``receive`` with the body this path read given again first."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
