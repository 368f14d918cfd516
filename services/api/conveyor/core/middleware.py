"""Refuse oversized request bodies before anything reads them; keep the browser's
middleware (sessions, CSRF, messages) off the API's paths; serve the static files.

Every middleware here is both sync- and async-capable (Django's "Asynchronous support"):
under ASGI (config/asgi.py) Django runs the whole chain on the event loop, so an async
view (the long-polls, jobs/longpoll.py) is awaited there; one sync-only middleware would
make Django run the chain in a thread and hold it for the whole request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from asgiref.sync import async_to_sync, iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware import clickjacking, common, security
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.deprecation import MiddlewareMixin
from django.utils.module_loading import import_string
from whitenoise.middleware import WhiteNoiseMiddleware  # type: ignore[import-untyped]

from conveyor.core.problems import too_large_response

GetResponse = Callable[[HttpRequest], Any]


class SyncAndAsyncMiddleware:
    """A middleware in Django's sync and async modes (as Django's ``MiddlewareMixin``):
    ``before`` may answer instead of the rest of the chain, ``after`` sees the response.
    Both run in the caller's mode and must not block (no database, no network)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if iscoroutinefunction(self):
            return self.__acall__(request)
        early = self.before(request)
        if early is not None:
            return early
        return self.after(request, self.get_response(request))

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        early = self.before(request)
        if early is not None:
            return early
        return self.after(request, await self.get_response(request))

    def before(self, request: HttpRequest) -> HttpResponse | None:
        return None

    def after(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return response


class BodySizeLimitMiddleware(SyncAndAsyncMiddleware):
    """413 for a declared Content-Length above ``CONVEYOR_MAX_BODY_BYTES``.

    Bodies without a length (chunked) are capped by Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE, which the exception handler also maps to 413.
    """

    def __init__(self, get_response: GetResponse) -> None:
        super().__init__(get_response)
        self.limit: int = settings.CONVEYOR_MAX_BODY_BYTES

    def before(self, request: HttpRequest) -> HttpResponse | None:
        length = request.META.get("CONTENT_LENGTH")
        if length:
            try:
                declared = int(length)
            except ValueError:
                declared = 0
            if declared > self.limit:
                return too_large_response(request)
        return None


class OnTheLoopMixin(MiddlewareMixin):
    """For Django's own ``MiddlewareMixin`` middleware whose hooks only read the request
    and set headers (no database, no network): in async mode their ``process_request``
    and ``process_response`` run on the event loop. Django's ``MiddlewareMixin`` runs
    each in the request's thread (``sync_to_async``), a thread hop per hook, two per
    middleware on every request."""

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response: HttpResponseBase | None = None
        process_request = getattr(self, "process_request", None)
        if process_request is not None:
            response = process_request(request)
        if response is None:
            get_response = cast(
                Callable[[HttpRequest], Awaitable[HttpResponseBase]], self.get_response
            )
            response = await get_response(request)
        process_response = getattr(self, "process_response", None)
        if process_response is not None:
            response = process_response(request, response)
        return response


class SecurityMiddleware(OnTheLoopMixin, security.SecurityMiddleware):
    """Django's SecurityMiddleware (HSTS, nosniff, referrer policy, SSL redirect)."""


class CommonMiddleware(OnTheLoopMixin, common.CommonMiddleware):
    """Django's CommonMiddleware (disallowed user agents, APPEND_SLASH, PREPEND_WWW)."""


class XFrameOptionsMiddleware(OnTheLoopMixin, clickjacking.XFrameOptionsMiddleware):
    """Django's XFrameOptionsMiddleware (``X-Frame-Options: DENY``)."""


# Paths no browser session serves: the API (authenticated by API key, no cookie), the
# probes and the metrics.
LEAN_PREFIXES = ("/v1/", "/healthz", "/readyz", "/metrics")
# What the admin (and only a browser) needs, in Django's order.
BROWSER_MIDDLEWARE = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
)


class BrowserOnlyMiddleware:
    """Sessions, CSRF, authentication and messages (``BROWSER_MIDDLEWARE``) for the
    admin, skipped on ``LEAN_PREFIXES``, where no cookie is used: no session object, no
    CSRF cookie check, no message storage per API request.

    The chain is built once, on ``get_response`` in its mode (Django's own middleware
    are sync- and async-capable); CSRF's ``process_view``, which Django calls only on the
    middleware it lists, is passed on from here.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)
        chain = get_response
        made: list[object] = []
        for path in reversed(BROWSER_MIDDLEWARE):
            chain = import_string(path)(chain)
            made.append(chain)
        self.browser = chain
        self.csrf = next(m for m in made if isinstance(m, CsrfViewMiddleware))
        if iscoroutinefunction(get_response):
            # Django would run a sync process_view in a thread for every request: here
            # the API's paths pass on the loop, and only the admin's go to the thread.
            self.process_view = self._process_view_async  # type: ignore[method-assign,assignment]
            self._csrf_process_view = sync_to_async(self.csrf.process_view)

    def __call__(self, request: HttpRequest) -> Any:
        # In async mode both are coroutine functions: the coroutine is returned as it is.
        if request.path_info.startswith(LEAN_PREFIXES):
            return self.get_response(request)
        return self.browser(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[object, ...],
        view_kwargs: dict[str, object],
    ) -> HttpResponse | None:
        if request.path_info.startswith(LEAN_PREFIXES):
            return None
        return self.csrf.process_view(request, view_func, view_args, view_kwargs)

    async def _process_view_async(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[object, ...],
        view_kwargs: dict[str, object],
    ) -> HttpResponse | None:
        if request.path_info.startswith(LEAN_PREFIXES):
            return None
        response: HttpResponse | None = await self._csrf_process_view(
            request, view_func, view_args, view_kwargs
        )
        return response


class StaticFilesMiddleware(SyncAndAsyncMiddleware):
    """WhiteNoise (``whitenoise.middleware.WhiteNoiseMiddleware``, sync only in 6.x) for
    the paths under its prefix (``STATIC_URL``) alone: in async mode those run it in a
    thread (``sync_to_async``), every other request passes on, on the event loop."""

    def __init__(self, get_response: GetResponse) -> None:
        super().__init__(get_response)
        inner: Callable[[HttpRequest], HttpResponse] = (
            async_to_sync(get_response) if iscoroutinefunction(get_response) else get_response
        )
        self.whitenoise = WhiteNoiseMiddleware(inner)
        self.prefix: str = self.whitenoise.static_prefix
        self.serve_async: Callable[[HttpRequest], Awaitable[HttpResponse]] = sync_to_async(
            self.whitenoise
        )

    def __call__(self, request: HttpRequest) -> Any:
        if iscoroutinefunction(self):
            return self.__acall__(request)
        return self.whitenoise(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(self.prefix):
            return await self.serve_async(request)
        response: HttpResponse = await self.get_response(request)
        return response
