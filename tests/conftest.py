"""Settings for the whole suite: set before Django loads, isolated per run.

pytest-django loads settings before conftests, so this file sets the environment and
sets Django up itself (no DJANGO_SETTINGS_MODULE in the pytest configuration).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import django
import pytest

from tests import shared_services as services
from tests.xdist_groups import GROUPS_FILE, GroupScheduling, mark_groups

_data_dir = tempfile.mkdtemp(prefix=f"conveyor-test-{services.RUN_ID}-")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ["CONVEYOR_DATA_DIR"] = _data_dir
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")
# The suite runs the demo job types everywhere (a deployment enables them explicitly),
# and its load, bench and fault runs go far beyond a tenant's fair share: the limits'
# own tests (tests/api/test_limits.py) set them back per test.
os.environ.setdefault("CONVEYOR_DEMO_JOB_TYPES", "true")
os.environ.setdefault("CONVEYOR_THROTTLE_RATE", "none")
os.environ.setdefault("CONVEYOR_MAX_UNFINISHED_JOBS", "0")
os.environ.setdefault("CONVEYOR_MAX_SCHEDULES", "0")
os.environ.setdefault("CONVEYOR_MIN_SCHEDULE_INTERVAL_SECONDS", "1")

if services.available("postgres"):
    # pytest-django creates test_<name> (plus an xdist suffix) and drops it afterwards.
    os.environ["DATABASE_URL"] = services.pg_database_url(f"conveyor_{services.RUN_ID}")
elif services.IN_CI:
    raise SystemExit("CI=true but PostgreSQL is not reachable at " + services.PG_URL)
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{_data_dir}/test.sqlite3"

if services.available("redis"):
    os.environ["BROKER_URL"] = services.REDIS_URL
    os.environ["CONVEYOR_BROKER_KEY_PREFIX"] = f"conveyor-test-{services.RUN_ID}:"

django.setup()

# Per-request log lines of the test's own HTTP client drown the failure output.
logging.getLogger("httpx").setLevel(logging.WARNING)


@pytest.fixture
def other_session() -> Iterator[Any]:
    """Another session on the test database (psycopg, autocommit): what another process
    sees, and can hold, while the test's own connection works. PostgreSQL only."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as conn:
        yield conn


@pytest.hookimpl(tryfirst=True)  # before xdist's, which reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that share a booted platform run on one xdist worker (tests/xdist_groups.py)."""
    mark_groups(config, items)


@pytest.hookimpl(optionalhook=True)  # xdist's hook: `-p no:xdist` (make soak) lacks it
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """``--dist loadgroup`` that works on pytest 9.2 (tests/xdist_groups.py)."""
    if config.getvalue("dist") == "loadgroup":
        return GroupScheduling(config, log)  # type: ignore[arg-type]
    return None


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """The tables of the fault runs (tests/faults) and of the soak (tests/soak), printed
    once by the controlling process."""
    from tests.faults.harness import ROWS_DIR, render_table, saved_rows
    from tests.soak import report

    if hasattr(config, "workerinput"):  # an xdist worker: the controller prints it
        return
    rows = saved_rows()
    if rows:
        terminalreporter.write_sep("=", "fault runs: every accepted job accounted for")
        terminalreporter.write_line(render_table(rows))
        shutil.rmtree(ROWS_DIR, ignore_errors=True)
    soaks = report.saved_rows()
    if soaks:
        terminalreporter.write_sep("=", "soak: every accepted job accounted for")
        terminalreporter.write_line(report.render_table(soaks))
        shutil.rmtree(report.ROWS_DIR, ignore_errors=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop the run's template databases (tests/e2e/platform.py), once all workers ended."""
    if hasattr(session.config, "workerinput"):
        return
    GROUPS_FILE.unlink(missing_ok=True)
    if not services.available("postgres"):
        return
    from tests.e2e.platform import drop_templates

    drop_templates()
