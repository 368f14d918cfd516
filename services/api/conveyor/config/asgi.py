"""The ASGI application gunicorn serves (``config/gunicorn.py``: uvicorn's worker).

An event loop per process: a connection, slow or idle, costs no thread; the middleware
runs on the loop (each is async-capable, core/middleware.py); a long-poll waits on the
loop (jobs/longpoll.py); sync views run in asgiref's threads, each request's on a
thread of its own for as long as it runs (core/request_threads.py), in one hop that
runs, renders and finishes the view (core/view_hop.py), and take a database connection
from the process's pool (``DATABASE_POOL_MAX_SIZE``, on by default here) only while they
run.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import suppress
from typing import Any

import django
from asgiref.sync import iscoroutinefunction, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.db import close_old_connections, reset_queries
from django.urls import set_script_prefix

from conveyor.core import tracing

# The API's connections per process; a request needing one while all are in use waits
# for one (DATABASE_POOL_TIMEOUT). Workers and beat, which do not come here, keep
# persistent connections.
API_DATABASE_POOL_MAX_SIZE = 4

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")
os.environ.setdefault("DATABASE_POOL_MAX_SIZE", str(API_DATABASE_POOL_MAX_SIZE))


class ApiHandler(ASGIHandler):
    """Django's ASGI handler with fewer thread hops per request: each request's sync code
    runs on a thread taken from the process's pool (``request_threads``) rather than one
    started for it, and a sync view runs, renders and (on the API's paths) closes its
    response in one hop (``core/view_hop.py``) instead of three."""

    def __init__(self) -> None:
        super().__init__()
        # Each sync view's one-hop wrapper, made once (views live as long as the URLconf).
        self._in_one_hop: dict[Any, Any] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        from conveyor.core.request_threads import request_threads

        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        async with request_threads.lent():
            await self.handle(scope, receive, send)

    def make_view_atomic(self, view: Any) -> Any:
        from conveyor.core.view_hop import in_one_hop

        wrapped = super().make_view_atomic(view)
        if iscoroutinefunction(wrapped):
            return wrapped
        if wrapped is not view:  # ATOMIC_REQUESTS: a new wrapper per request
            return in_one_hop(wrapped)
        found = self._in_one_hop.get(view)
        if found is None:
            found = self._in_one_hop[view] = in_one_hop(view)
        return found

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Django 5.2's ``ASGIHandler.handle``, but for its last step: a response the view's
        hop closed already (``view_hop.finished``) is not closed again in a thread."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        await signals.request_started.asend(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            assert error_response is not None  # Django gives one or the other
            body_file.close()
            await self.send_response(error_response, send)
            await sync_to_async(error_response.close)()
            return

        async def process_request(request: Any, send: Any) -> Any:
            response = await self.run_get_response(request)
            with suppress(asyncio.CancelledError):  # the client left while it was sent
                await self.send_response(response, send)
            return response

        # The view races the client's disconnect, which cancels it (Django's order).
        tasks = [
            asyncio.create_task(self.listen_for_disconnect(receive)),
            asyncio.create_task(process_request(request, send)),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if task.done():
                try:
                    task.result()
                except RequestAborted:
                    pass
                except AssertionError:
                    body_file.close()
                    raise
            else:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
        try:
            response = tasks[1].result()
        except asyncio.CancelledError:
            await signals.request_finished.asend(sender=self.__class__)
        else:
            if not response.closed:
                await sync_to_async(response.close)()
        body_file.close()


def _nothing_to_do_at_request_start() -> None:
    """Django's ``request_started`` receivers are sync, so under ASGI they cost each
    request a thread hop, and in this process they have nothing to do: a request's
    database connection went back to the pool when the last request on its thread
    finished (``request_finished``, still sent), and the queries log they clear is kept
    only under DEBUG (bounded even then)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_started.disconnect(reset_queries)


def get_application() -> Any:
    """As ``django.core.asgi.get_asgi_application``, with conveyor's handler, and plain
    ``POST /v1/jobs`` served in front of it (jobs/direct_submit.py)."""
    django.setup(set_prefix=False)
    _nothing_to_do_at_request_start()
    from conveyor.jobs import direct_submit

    handler = ApiHandler()
    return direct_submit.DirectSubmit(handler) if direct_submit.enabled() else handler


# The probes and the scrape make no spans unless OTEL_PYTHON_ASGI_EXCLUDED_URLS says else.
UNTRACED_PATHS = "healthz,readyz,metrics"


def _instrument() -> None:
    """The official instrumentations of each query and of each message published (a job's
    publish, a span in its request's trace); the requests': ``_traced`` below."""
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

    PsycopgInstrumentor().instrument(skip_dep_check=True)
    CeleryInstrumentor().instrument()  # type: ignore[no-untyped-call]


def _traced(app: Any) -> Any:
    """Each request in a server span, by the official ASGI instrumentation (Django's own
    middleware is sync-only: every request, long-polls included, would leave the loop for
    a thread). ``core/metrics.MetricsMiddleware`` names the span after the route."""
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    excluded = os.environ.get("OTEL_PYTHON_ASGI_EXCLUDED_URLS", UNTRACED_PATHS)
    return OpenTelemetryMiddleware(app, excluded_urls=excluded)


# Traces over OTLP when OTEL_* asks for them (core/tracing.py; docs/observability.md).
traced = tracing.install(service="conveyor-api", instrument=_instrument)
application: Any = get_application()
if traced:
    application = _traced(application)
