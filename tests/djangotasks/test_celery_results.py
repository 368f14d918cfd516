"""docs/django.md#celery-code: a @shared_task run on conveyor's pools has no readable
result, as conveyor's Celery settings configure no result backend."""

from __future__ import annotations

import pytest

from conveyor.config.celery import app


def test_an_async_result_cannot_be_read_without_a_result_backend() -> None:
    # given the AsyncResult a .delay() returns, on conveyor's Celery settings
    result = app.AsyncResult("d1c6a8e0-0000-4000-8000-000000000000")
    # then reading it says there is no result backend, rather than waiting for one
    with pytest.raises(NotImplementedError, match="No result backend is configured"):
        result.get(timeout=1)
