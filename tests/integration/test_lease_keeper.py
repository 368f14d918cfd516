"""The lease keeper's thread gives its database connection back when it has nothing to
watch: an idle worker process holds one connection, and a test database can be dropped."""

from __future__ import annotations

import pytest
from django.db import connection

from conveyor_worker import attempts
from conveyor_worker.context import LeaseKeeper, RunContext
from tests.factories import JobFactory
from tests.procs import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def other_connections() -> int:
    """Sessions on this test's database besides the test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def test_the_keeper_closes_its_connection_once_nothing_runs() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("counts sessions in PostgreSQL's pg_stat_activity")
    # given a running job whose lease the keeper checks
    job = JobFactory.create()
    lease = attempts.claim(job.pk, worker="w", message_id=None)
    assert lease is not None
    ctx = RunContext(lease)
    keeper = LeaseKeeper()
    keeper.watch(ctx)
    wait_until(lambda: other_connections() == 1, timeout=10, message="the keeper's check")

    # when the job ends
    keeper.unwatch(ctx)

    # then the keeper's connection goes
    wait_until(lambda: other_connections() == 0, timeout=10, message="the keeper's close")
