from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import shared_services as services
from tests.private_services import OwnPostgres, OwnRabbitMQ, OwnRedis

# Short leases and a fast reconciler so recoveries take seconds, not minutes; the rules
# are the production ones.
FAULT_ENV = {
    "CONVEYOR_LEASE_SECONDS": "3",
    "CONVEYOR_RECONCILE_INTERVAL_SECONDS": "1",
    "CONVEYOR_REPUBLISH_AFTER_SECONDS": "3",
    "CONVEYOR_PUBLISH_BACKOFF_SECONDS": "1",
    "CONVEYOR_SHUTDOWN_GRACE_SECONDS": "2",
    "CONVEYOR_HEARTBEAT_SECONDS": "2",
}


@pytest.fixture(scope="session")
def own_postgres() -> Iterator[OwnPostgres]:
    """A PostgreSQL server these tests may stop and start."""
    services.require("postgres")  # the binaries come with the machine's server
    server = OwnPostgres().init()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def own_redis() -> Iterator[OwnRedis]:
    """A Redis without persistence that these tests may kill and restart."""
    services.require("redis")
    server = OwnRedis().start()
    yield server
    server.destroy()


@pytest.fixture
def own_rabbitmq() -> Iterator[OwnRabbitMQ]:
    """A RabbitMQ node these tests may crash, wipe and restart; one per test, so no run
    finds another's queues (a node starts in about ten seconds)."""
    services.require("rabbitmq")  # the scripts come with the machine's server
    server = OwnRabbitMQ()
    try:
        server.init()
        yield server
    finally:
        server.destroy()


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_kind(request: pytest.FixtureRequest) -> str:
    services.require(request.param)
    return str(request.param)
