"""Every middleware in MIDDLEWARE can run on the event loop: one sync-only middleware
makes Django run the whole chain in a thread under ASGI, and every long-poll then holds
that thread for its wait (tests/faults/test_api_threads.py measures it on the server)."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string


def test_every_middleware_is_async_capable() -> None:
    sync_only = [
        path
        for path in settings.MIDDLEWARE
        if not getattr(import_string(path), "async_capable", False)
    ]
    assert sync_only == []
