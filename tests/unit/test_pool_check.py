"""The API pool's check of a connection it lends (config/pool_check.py), on a real
PostgreSQL: no round trip for a healthy idle connection, and a connection whose session
the server ended is never lent."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from conveyor.core.pooled_postgresql.checks import check_connection
from tests import shared_services as services
from tests.procs import fresh_python_report, wait_until


@pytest.fixture
def admin() -> Iterator[psycopg.Connection[Any]]:
    services.require("postgres")
    with psycopg.connect(services.PG_URL, autocommit=True) as conn:
        yield conn


def _query_start(admin: psycopg.Connection[Any], pid: int) -> Any:
    row = admin.execute(
        "SELECT query_start FROM pg_stat_activity WHERE pid = %s", (pid,)
    ).fetchone()
    assert row is not None
    return row[0]


def _end_sessions(admin: psycopg.Connection[Any], pids: list[int]) -> None:
    """End these backends' sessions on the server, and wait until they are gone."""
    admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", (pids,))
    wait_until(
        lambda: (
            admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
            ).fetchone()
            == (0,)
        ),
        timeout=10,
        message="the backends to exit",
    )


def test_a_healthy_idle_connection_is_lent_without_a_query(
    admin: psycopg.Connection[Any],
) -> None:
    with psycopg.connect(services.PG_URL, autocommit=True) as conn:
        conn.execute("SELECT 1")
        before = _query_start(admin, conn.info.backend_pid)

        check_connection(conn)

        # the server saw no statement from it: its last query is still the SELECT
        assert _query_start(admin, conn.info.backend_pid) == before
        # and Django's check, for comparison, is a statement of its own
        ConnectionPool.check_connection(conn)
        assert _query_start(admin, conn.info.backend_pid) != before


def test_a_connection_whose_session_the_server_ended_is_refused(
    admin: psycopg.Connection[Any],
) -> None:
    with psycopg.connect(services.PG_URL, autocommit=True) as conn:
        _end_sessions(admin, [conn.info.backend_pid])

        with pytest.raises(psycopg.OperationalError):
            check_connection(conn)


def test_a_pool_lends_a_live_connection_after_the_server_ended_its_sessions(
    admin: psycopg.Connection[Any],
) -> None:
    # given a pool whose connections all had their sessions ended while idle
    with ConnectionPool(
        services.PG_URL, min_size=2, max_size=2, check=check_connection, open=True
    ) as pool:
        pool.wait(timeout=10)
        with pool.connection() as a, pool.connection() as b:
            pids = [a.info.backend_pid, b.info.backend_pid]
        _end_sessions(admin, pids)

        # when a connection is asked for, then it works: a dead one was never lent
        with pool.connection(timeout=10) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert conn.info.backend_pid not in pids


def test_the_apis_pool_checks_with_it_instead_of_djangos_empty_query() -> None:
    # given the settings a pooled API process loads, and its pool (not opened)
    report = fresh_python_report(
        textwrap.dedent("""
            import json
            import django
            django.setup()
            from django.conf import settings
            from django.db import connection
            from conveyor.core.pooled_postgresql.checks import check_connection
            print(json.dumps({
                "engine": settings.DATABASES["default"]["ENGINE"],
                "check": connection.pool._check is check_connection,
            }))
        """),
        env={
            "DJANGO_SETTINGS_MODULE": "conveyor.config.settings.base",
            "SECRET_KEY": "x",
            "DATABASE_URL": services.PG_URL,
            "DATABASE_POOL_MAX_SIZE": "4",
        },
    )

    # then its backend's pool checks with it, not with Django's empty query
    assert report == {"engine": "conveyor.core.pooled_postgresql", "check": True}
