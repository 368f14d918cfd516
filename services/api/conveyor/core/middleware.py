"""Refuse oversized request bodies before anything reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

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
