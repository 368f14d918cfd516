"""A sync view's work in one thread hop under ASGI: run, render, finish.

Django's ASGI handler runs a sync view in the request's thread (``sync_to_async``), then
goes back to the thread to render its response (a DRF ``Response`` or a
``TemplateResponse``), and again, after sending it, to close it (which sends
``request_finished``, giving the request's database connection back to the pool). Each
hop is a hand-over between the event loop and a thread, paid by every request.

Here the view, the rendering and, on the API's paths, the close run in one hop: the
response comes back rendered (its ``render`` made a coroutine function that returns it,
which Django's handler awaits on the loop instead of hopping) and, where nothing after
the view needs the database (``LEAN_PREFIXES``: no session or message middleware runs
there), closed, so the connection is back in the pool before the response is sent and
``config/asgi.ApiHandler`` does not hop to close it again. Streaming responses, and every
path a browser uses, are closed by the handler after sending, as Django does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponseBase

from conveyor.core import database
from conveyor.core.middleware import LEAN_PREFIXES

#: Set on a request whose hop gave its database connection back (``finished``): the
#: vendor of that database. A long-poll then waits without a hop to give it back.
RELEASED = "conveyor_released_vendor"

SyncView = Callable[..., HttpResponseBase]
AsyncView = Callable[..., Awaitable[HttpResponseBase]]
_Response = TypeVar("_Response", bound=HttpResponseBase)


def finished(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """Render ``response`` on this thread and, on a lean path, close it (Django's
    ``request_finished``: the connection goes back to the pool). Call it on the thread
    the view ran on. A request Django's sync handler serves (WSGI, the test client) is
    left as it is: that handler renders and closes in the request's thread anyway."""
    if not isinstance(request, ASGIRequest):
        return response
    rendered_here(request, response)
    if not response.streaming and request.path_info.startswith(LEAN_PREFIXES):
        response.close()
        connection = database.connection()
        if connection.connection is None:
            setattr(request, RELEASED, connection.vendor)
    return response


def rendered_here(request: HttpRequest, response: _Response) -> _Response:
    """Render ``response`` (a template or DRF response) on this thread, now: Django's
    async handler would otherwise render it in a thread of its own. A request Django's
    sync handler serves is left as it is (that handler renders in the request's thread)."""
    if not isinstance(request, ASGIRequest):
        return response
    render = getattr(response, "render", None)
    if callable(render):
        render()

        async def rendered() -> HttpResponseBase:
            return response

        response.render = rendered  # type: ignore[attr-defined]
    return response


def in_one_hop(view: SyncView) -> AsyncView:
    """``view`` as an async view whose run, rendering and close are one thread hop
    (thread-sensitive: the request's own thread, as Django runs a sync view)."""

    def run(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return finished(request, view(request, *args, **kwargs))

    return sync_to_async(run)
