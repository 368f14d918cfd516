"""Django's Security, Common and XFrameOptions middleware run their hooks on the event
loop under ASGI (core/middleware.py), not a thread hop each, and still set their
headers."""

from __future__ import annotations

import asyncio

import pytest
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.test import AsyncClient, RequestFactory

from conveyor.core.middleware import (
    CommonMiddleware,
    OnTheLoopMixin,
    SecurityMiddleware,
    XFrameOptionsMiddleware,
)


def _on_the_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class _Probe(OnTheLoopMixin):
    """Where the hooks of an OnTheLoopMixin middleware run."""

    def process_request(self, request: HttpRequest) -> None:
        request.META["probe.request_on_loop"] = _on_the_loop()

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response["X-Request-On-Loop"] = str(request.META["probe.request_on_loop"])
        response["X-Response-On-Loop"] = str(_on_the_loop())
        return response


def test_the_hooks_run_on_the_event_loop() -> None:
    async def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    middleware = _Probe(view)
    response = asyncio.run(middleware.__acall__(RequestFactory().get("/healthz")))
    assert response["X-Request-On-Loop"] == "True"
    assert response["X-Response-On-Loop"] == "True"


@pytest.mark.parametrize(
    "middleware", [SecurityMiddleware, CommonMiddleware, XFrameOptionsMiddleware]
)
def test_djangos_middleware_are_run_on_the_loop(middleware: type) -> None:
    assert issubclass(middleware, OnTheLoopMixin)


def test_the_headers_are_set_under_asgi() -> None:
    response = asyncio.run(AsyncClient().get("/healthz"))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
