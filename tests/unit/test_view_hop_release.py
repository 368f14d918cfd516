"""A lean request's hop says when it gave its database connection back, so a long-poll
waits without another hop to give it back (core/view_hop.py, jobs/longpoll.py)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.http import HttpResponse

from conveyor.core.view_hop import RELEASED, finished
from tests import shared_services as real_services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres() -> None:
    real_services.require("postgres")


@pytest.fixture
def max_age() -> Iterator[dict[str, object]]:
    saved = connection.settings_dict["CONN_MAX_AGE"]
    yield connection.settings_dict
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = saved


def _request(path: str) -> ASGIRequest:
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
    return ASGIRequest(scope, io.BytesIO())


def _used_connection() -> None:
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_a_connection_closed_at_the_end_of_the_request_is_said_released(
    max_age: dict[str, object],
) -> None:
    max_age["CONN_MAX_AGE"] = 0  # closed when the request finishes (as with a pool)
    _used_connection()
    request = _request("/v1/jobs/x")

    finished(request, HttpResponse())

    assert connection.connection is None
    assert getattr(request, RELEASED) == "postgresql"


def test_a_connection_kept_for_the_next_request_is_not(max_age: dict[str, object]) -> None:
    max_age["CONN_MAX_AGE"] = 60  # kept open between requests
    _used_connection()
    request = _request("/v1/jobs/x")

    finished(request, HttpResponse())

    assert connection.connection is not None
    assert not hasattr(request, RELEASED)
