"""``conveyor migrate --wait-for-database``: the migrations Job started before its database
(the chart's own PostgreSQL, created by the same install) waits for it, with a deadline."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from tests import shared_services as services
from tests.private_services import OwnPostgres
from tests.procs import BIN, free_port, wait_until

pytestmark = [pytest.mark.services, pytest.mark.timeout(180)]


def _env(database_url: str) -> dict[str, str]:
    env = {**os.environ, "SECRET_KEY": "migrate-test", "DATABASE_URL": database_url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _migrate(seconds: int, database_url: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(BIN / "conveyor"), "migrate", "--noinput", f"--wait-for-database={seconds}"],
            env=_env(database_url),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_migrate_waits_for_a_database_that_comes_up_later(tmp_path: Path) -> None:
    services.require("postgres")  # the binaries come with the machine's server
    # given a PostgreSQL that is not up yet
    server = OwnPostgres()
    log = tmp_path / "migrate.log"
    try:
        # when migrate starts first
        proc = _migrate(120, server.database_url("postgres"), log)
        wait_until(
            lambda: "not yet" in log.read_text(),
            timeout=60,
            message="migrate to say it waits for the database",
        )
        assert proc.poll() is None, log.read_text()
        server.init()  # and the database comes up afterwards

        # then it migrates once the database answers
        assert proc.wait(timeout=120) == 0, log.read_text()
        text = log.read_text()
        assert "waiting up to 120s for the database postgres at 127.0.0.1" in text, text
        with psycopg.connect(server.url) as conn:
            applied = conn.execute("SELECT count(*) FROM django_migrations").fetchone()
        assert applied is not None
        assert applied[0] > 0
    finally:
        server.destroy()


def test_migrate_gives_up_at_its_deadline_with_a_clear_message(tmp_path: Path) -> None:
    # given nothing listening where the database should be
    url = f"postgres://postgres@127.0.0.1:{free_port()}/conveyor"
    log = tmp_path / "migrate.log"
    started = time.monotonic()
    # when
    proc = _migrate(3, url, log)
    code = proc.wait(timeout=60)
    # then it fails after its deadline, in one line, without a traceback
    text = log.read_text()
    assert code != 0, text
    assert time.monotonic() - started >= 3
    assert "did not answer within 3s (--wait-for-database)" in text, text
    assert "Traceback" not in text, text
