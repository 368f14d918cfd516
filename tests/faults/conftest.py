from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import shared_services as services
from tests.private_services import OwnPostgres, OwnRedis

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


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_kind(request: pytest.FixtureRequest) -> str:
    services.require(request.param)
    return str(request.param)
