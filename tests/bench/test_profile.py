"""``python -m bench.profile`` runs both paths, so the way docs/performance.md was
profiled stays reproducible. Nothing here judges speed: the figures only have to exist."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import redis

from tests import shared_services as services
from tests.e2e.platform import create_database, make_broker

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


# The worker path on SQLite too: the embedded default runs the same two statements
# (without PostgreSQL's CTE and commit setting), and nothing else in the suite runs a job
# there but the slower ``make run`` test.
@pytest.mark.parametrize(
    ("path", "database"),
    [
        ("worker", "postgres"),
        ("bundle", "postgres"),
        ("submit", "postgres"),
        ("batch", "postgres"),
        ("worker", "sqlite"),
    ],
)
def test_a_profile_run_prints_the_time_and_the_statements_of_a_job(
    path: str, database: str
) -> None:
    # given a migrated database and a broker namespace of this test's own
    for service in (database, "redis"):
        if service != "sqlite":
            services.require(service)
    name = f"conveyor_profile_{services.RUN_ID}_{uuid.uuid4().hex[:6]}"
    broker = make_broker("redis", name)
    data_dir = tempfile.mkdtemp(prefix=f"{name}-")
    env = {
        **os.environ,
        "SECRET_KEY": "profile-test",
        "DATABASE_URL": urlsplit(services.PG_URL)._replace(path=f"/{name}").geturl(),
        "BROKER_URL": broker.url,
        "CONVEYOR_DATA_DIR": data_dir,
        "LOG_LEVEL": "WARNING",
        **broker.env,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if database == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{data_dir}/profile.sqlite3"
        subprocess.run(
            [str(Path(sys.executable).parent / "conveyor"), "migrate", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=240,
        )
    else:
        create_database(services.PG_URL, name, env)
    try:
        # when the path is profiled, briefly
        done = subprocess.run(
            [sys.executable, "-m", "bench.profile", path, "--count=5", "--profiler=cprofile"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
    finally:
        with psycopg.connect(services.PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        keys = redis.Redis.from_url(services.REDIS_URL)
        for key in keys.scan_iter(f"{name}:*"):  # the worker path's published messages
            keys.delete(key)

    # then it names the job's statements and the time per job, with the profile
    assert done.returncode == 0, done.stderr[-3000:]
    assert "statements for one job" in done.stdout
    if path in ("submit", "batch"):
        assert "INSERT INTO" in done.stdout
    else:  # the claim, then the outcome: one statement on PostgreSQL, a transaction else
        assert """UPDATE "jobs_job" SET "state" = 'running'""" in done.stdout
        assert ("WITH moved AS" in done.stdout) == (database == "postgres")
    assert f"{path}: " in done.stdout
    assert "ms per job" in done.stdout
    assert "cumulative" in done.stdout  # cProfile's table
