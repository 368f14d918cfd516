"""The machine's shared PostgreSQL, Redis and RabbitMQ the suite talks to, and what
happens when one is missing.

Each is found at its usual local address (overridable by environment). A missing service
skips the tests that need it with a one-line reason, except under ``CI=true``, where it
fails them: CI must never pass by skipping. Tests never stop these; a test that stops or
breaks a service starts its own (``tests/private_services.py``).
"""

from __future__ import annotations

import os
import socket
import uuid
from functools import cache
from urllib.parse import urlsplit

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
# One id per test run (shared by xdist workers through the environment).
RUN_ID = os.environ.setdefault("CONVEYOR_TEST_RUN_ID", uuid.uuid4().hex[:8])

PG_URL = os.environ.get("CONVEYOR_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CONVEYOR_TEST_REDIS", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("CONVEYOR_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672/")


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), 2):
            return True
    except OSError:
        return False


@cache
def available(name: str) -> bool:
    url = {"postgres": PG_URL, "redis": REDIS_URL, "rabbitmq": RABBITMQ_URL}[name]
    return _reachable(url)


def require(name: str) -> None:
    """Skip (or, under CI=true, fail) the calling test when ``name`` is not running."""
    if available(name):
        return
    message = f"{name} is not running at its local address (see tests/shared_services.py)"
    if IN_CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def pg_database_url(database: str) -> str:
    parts = urlsplit(PG_URL)
    return parts._replace(path=f"/{database}").geturl()
