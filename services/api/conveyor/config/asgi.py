"""The ASGI application gunicorn serves (``config/gunicorn.py``: uvicorn's worker).

An event loop per process: a connection, slow or idle, costs no thread; the middleware
runs on the loop (each is async-capable, core/middleware.py); a long-poll waits on the
loop (jobs/longpoll.py); sync views run in asgiref's threads, each request's on a
thread of its own for as long as it runs (core/request_threads.py), and take a database
connection from the process's pool (``DATABASE_POOL_MAX_SIZE``, on by default here) only
while they run.
"""

from __future__ import annotations

import os
from typing import Any

import django
from django.core.handlers.asgi import ASGIHandler

from conveyor.core import tracing

# The API's connections per process; a request needing one while all are in use waits
# for one (DATABASE_POOL_TIMEOUT). Workers and beat, which do not come here, keep
# persistent connections.
API_DATABASE_POOL_MAX_SIZE = 4

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")
os.environ.setdefault("DATABASE_POOL_MAX_SIZE", str(API_DATABASE_POOL_MAX_SIZE))


class ApiHandler(ASGIHandler):
    """Django's ASGI handler, each request's sync code on a thread taken from the
    process's pool (``request_threads``) rather than one started for it."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        from conveyor.core.request_threads import request_threads

        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        async with request_threads.lent():
            await self.handle(scope, receive, send)


def get_application() -> ApiHandler:
    """As ``django.core.asgi.get_asgi_application``, with conveyor's handler."""
    django.setup(set_prefix=False)
    return ApiHandler()


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
