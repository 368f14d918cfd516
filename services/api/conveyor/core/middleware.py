"""Refuse oversized request bodies before anything reads them; keep the browser's
middleware (sessions, CSRF, messages) off the API's paths."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string

from conveyor.core.problems import too_large_response


class BodySizeLimitMiddleware:
    """413 for a declared Content-Length above ``CONVEYOR_MAX_BODY_BYTES``.

    Bodies without a length (chunked) are capped by Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE, which the exception handler also maps to 413.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit: int = settings.CONVEYOR_MAX_BODY_BYTES

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = request.META.get("CONTENT_LENGTH")
        if length:
            try:
                declared = int(length)
            except ValueError:
                declared = 0
            if declared > self.limit:
                return too_large_response(request)
        return self.get_response(request)


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

    The chain is built once; CSRF's ``process_view``, which Django calls only on the
    middleware it lists, is passed on from here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        chain = get_response
        made: list[object] = []
        for path in reversed(BROWSER_MIDDLEWARE):
            chain = import_string(path)(chain)
            made.append(chain)
        self.browser = chain
        self.csrf = next(m for m in made if isinstance(m, CsrfViewMiddleware))

    def __call__(self, request: HttpRequest) -> HttpResponse:
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
