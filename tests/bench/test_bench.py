"""``python -m bench`` runs end to end in a tiny mode, so it cannot rot unnoticed.

Nothing here judges speed: the figures only have to exist. The run must leave nothing
behind (its databases, vhosts and Redis keys are its own and removed at the end).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis

from tests import shared_services as services

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = (
    "submit",
    "batch",
    "drain",
    "drain-batch",
    "roundtrip",
    "memory",
    "drain-single",
    "waiting",
)
# What the suite sets for its own processes and a bench run must not inherit.
SUITE_ONLY = ("DATABASE_URL", "BROKER_URL", "CONVEYOR_BROKER_KEY_PREFIX", "DJANGO_SETTINGS_MODULE")


# One test per broker, so parallel test runs (xdist) can take them at once.
@pytest.mark.timeout(900)
@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_a_tiny_run_fills_the_table_and_cleans_up(broker: str, tmp_path: Path) -> None:
    # given the services a run needs
    for name in ("postgres", "redis", broker):
        services.require(name)
    env = {k: v for k, v in os.environ.items() if k not in SUITE_ONLY}
    env.update(
        BENCH_POSTGRES_URL=services.PG_URL,
        BENCH_REDIS_URL=services.REDIS_URL,
        BENCH_RABBITMQ_URL=services.RABBITMQ_URL,
    )

    # when the benchmark runs every scenario, tiny, on the broker
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            f"--brokers={broker}",
            "--sides=conveyor,plain-results",
            f"--scenarios={','.join(SCENARIOS)}",
            "--duration=1",
            "--warmup=1",
            "--concurrency=2",
            "--batch-size=5",
            "--jobs=20",
            "--round-trips=3",
            f"--results-dir={tmp_path}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=850,
        check=False,
    )

    # then it prints the table and writes every figure, on both sides
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    assert "plain Celery + results" in done.stdout
    (result,) = tmp_path.glob("bench-*.json")
    document = json.loads(result.read_text())
    rows = document["rows"]
    assert {(r["broker"], r["scenario"]) for r in rows} == {(broker, s) for s in SCENARIOS}
    for row in rows:
        for side in ("conveyor", "plain-results"):
            value = row["values"][side]
            assert value is not None, row
            assert math.isfinite(value), row
            assert value > 0, row
        assert row["ratios"]["plain-results"] is not None, row

    # and it leaves no database, vhost or Redis key of its own behind
    run_id = document["run_id"]
    with psycopg.connect(services.PG_URL, autocommit=True) as conn:
        left = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"bench_{run_id}%",)
        ).fetchall()
    assert left == []
    if broker == "rabbitmq":
        vhosts = subprocess.run(
            ["rabbitmqctl", "-q", "list_vhosts"], capture_output=True, text=True, check=True
        ).stdout
        assert f"bench_{run_id}" not in vhosts
    client = redis.Redis.from_url(services.REDIS_URL)
    assert list(client.scan_iter(match=f"bench_{run_id}*")) == []


# The Dramatiq peer runs on Redis only and cannot wait for an outcome (no result backend).
DRAMATIQ_SCENARIOS = ("submit", "batch", "drain", "memory", "drain-single")


@pytest.mark.timeout(900)
def test_a_tiny_run_measures_dramatiq_next_to_conveyor(tmp_path: Path) -> None:
    # given the services a run needs
    for name in ("postgres", "redis"):
        services.require(name)
    env = {k: v for k, v in os.environ.items() if k not in SUITE_ONLY}
    env.update(BENCH_POSTGRES_URL=services.PG_URL, BENCH_REDIS_URL=services.REDIS_URL)

    # when the benchmark runs Dramatiq's scenarios, tiny, plus one it sits out
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--brokers=redis",
            "--sides=conveyor,dramatiq",
            f"--scenarios={','.join((*DRAMATIQ_SCENARIOS, 'waiting'))}",
            "--duration=1",
            "--warmup=1",
            "--concurrency=2",
            "--batch-size=5",
            "--jobs=20",
            f"--results-dir={tmp_path}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=850,
        check=False,
    )

    # then every figure of those scenarios exists on both sides, with a ratio
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    assert "Dramatiq" in done.stdout
    (result,) = tmp_path.glob("bench-*.json")
    document = json.loads(result.read_text())
    rows = document["rows"]
    for row in rows:
        if row["scenario"] == "waiting":
            # and the one it cannot take part in is conveyor's alone (n/a in the table)
            assert "dramatiq" not in row["values"], row
            continue
        for side in ("conveyor", "dramatiq"):
            value = row["values"][side]
            assert value is not None, row
            assert math.isfinite(value), row
            assert value > 0, row
        assert row["ratios"]["dramatiq"] is not None, row
    assert {r["scenario"] for r in rows} == {*DRAMATIQ_SCENARIOS, "waiting"}
    assert {"worker PSS MiB (idle)", "API PSS MiB (idle)"} <= {r["metric"] for r in rows}

    # and it leaves no Redis key of its own behind (Dramatiq's included)
    client = redis.Redis.from_url(services.REDIS_URL)
    assert list(client.scan_iter(match=f"bench_{document['run_id']}*")) == []


@pytest.mark.timeout(900)
def test_a_tiny_run_counts_instructions_per_submission(tmp_path: Path) -> None:
    # given the services a run needs, and valgrind
    for name in ("postgres", "redis"):
        services.require(name)
    if shutil.which("valgrind") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("valgrind is not installed (apt-get install valgrind)")
        pytest.skip("valgrind is not installed")
    env = {k: v for k, v in os.environ.items() if k not in SUITE_ONLY}
    env.update(BENCH_POSTGRES_URL=services.PG_URL, BENCH_REDIS_URL=services.REDIS_URL)

    # when the benchmark counts a few submissions under callgrind on each side
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--brokers=redis",
            "--sides=conveyor,plain-results",
            "--scenarios=cost",
            "--cost-requests=3",
            f"--results-dir={tmp_path}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=850,
        check=False,
    )

    # then both sides have a count, and a ratio
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    (result,) = tmp_path.glob("bench-*.json")
    (row,) = json.loads(result.read_text())["rows"]
    assert row["scenario"] == "cost"
    for side in ("conveyor", "plain-results"):
        # a Python web request runs millions of instructions: more than a million each
        assert row["values"][side] > 1.0, row
    assert row["ratios"]["plain-results"] is not None, row
