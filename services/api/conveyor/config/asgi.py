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
from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler

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
        executor = request_threads.take()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            request_threads.give_back(executor)


def get_application() -> ApiHandler:
    """As ``django.core.asgi.get_asgi_application``, with conveyor's handler."""
    django.setup(set_prefix=False)
    return ApiHandler()


application = get_application()
