from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import shared_services as services
from tests.e2e.httpserver import Target, start_target
from tests.e2e.platform import Platform

BROKERS = ["redis", "rabbitmq"]


@pytest.fixture(scope="session", params=BROKERS)
def platform(request: pytest.FixtureRequest) -> Iterator[Platform]:
    """The whole platform on PostgreSQL and the broker named by the parameter."""
    services.require("postgres")
    services.require(request.param)
    with Platform.running(request.param) as running:
        yield running


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    """The HTTP server that http.request jobs call."""
    server = start_target()
    yield server
    server.server.shutdown()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
