"""The sides measured: conveyor, and hand-wired DRF + Celery baselines on the same Redis.

A side owns its state (a database, a Redis key prefix) for the whole run and can start
its API, fill its backlog with the worker stopped, start its worker, and count what that
worker has finished. Scenarios drive sides only through this interface.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass

import psycopg
import redis

from bench.options import Options
from bench.processes import (
    REPO_ROOT,
    Process,
    executable,
    free_port,
    run_to_end,
    running,
    wait_until,
)
from bench.stores import delete_keys, postgres_database, redis_prefix

API_READY_SECONDS = 60.0
FILL_SECONDS = 300.0
# kombu's Redis transport: a priority above 0 goes to "<queue><sep><step>".
_KOMBU_SEP = "\x06\x16"
_KOMBU_PRIORITY_STEPS = (3, 6, 9)


@dataclass(frozen=True)
class Endpoint:
    """Where and what the load generator submits."""

    url: str
    body: str
    headers: dict[str, str]
    expect_status: int


class Side(ABC):
    name: str
    title: str

    def __init__(self, options: Options, run_id: str, redis_client: redis.Redis) -> None:
        self.options = options
        self.run_id = run_id
        self.redis = redis_client
        self.prefix = f"bench-{run_id}-{self.name}:"

    def base_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "LOG_LEVEL": "WARNING",
            "BROKER_URL": self.options.redis_url,
        }

    @abstractmethod
    def prepare(self, stack: ExitStack) -> None:
        """Create this side's state; ``stack`` removes it at the end of the run."""

    @abstractmethod
    def reset(self) -> None:
        """Forget every job and message, so each scenario starts empty."""

    @abstractmethod
    def api(self) -> AbstractContextManager[Endpoint]:
        """The API, started and ready; stopped on the way out."""

    @abstractmethod
    def fill(self, count: int) -> None:
        """Put ``count`` no-op jobs in the backlog (no worker runs)."""

    @abstractmethod
    def worker(self) -> AbstractContextManager[Process]:
        """The worker, started; stopped on the way out."""

    @abstractmethod
    def completed(self, total: int) -> int:
        """How many of the ``total`` jobs in the backlog the worker has finished."""

    @abstractmethod
    def describe(self) -> str:
        """Where the jobs are, in a few words (for errors)."""

    def counters(self) -> dict[str, int]:
        """Cumulative counters worth reporting as a difference across a scenario."""
        return {}

    def _gunicorn_env(self, port: int) -> dict[str, str]:
        return {
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKER_CLASS": "gthread",
            "GUNICORN_WORKERS": str(self.options.api_workers),
            "GUNICORN_THREADS": str(self.options.api_threads),
        }

    @contextmanager
    def _serving(self, process: Process, port: int) -> Iterator[Process]:
        with running(process):
            wait_until(
                lambda: _get_status(port, "/readyz") == 200,
                timeout=API_READY_SECONDS,
                what=f"{process.name} to be ready",
                alive=process.alive,
            )
            yield process


def waiting_messages(client: redis.Redis, prefix: str, queues: tuple[str, ...]) -> int:
    """Messages in kombu's Redis queues (every priority) plus those delivered, not acked."""
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        pipe.llen(f"{prefix}{queue}")
        for step in _KOMBU_PRIORITY_STEPS:
            pipe.llen(f"{prefix}{queue}{_KOMBU_SEP}{step}")
    pipe.hlen(f"{prefix}unacked")
    return sum(int(n) for n in pipe.execute())


def _get_status(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


class Conveyor(Side):
    """conveyor as it runs in production: gunicorn, a celery worker, PostgreSQL, Redis."""

    name = "conveyor"
    title = "conveyor"

    def prepare(self, stack: ExitStack) -> None:
        data_dir = self.options.work_dir / "conveyor-data"
        (data_dir / "static").mkdir(parents=True, exist_ok=True)
        db_url = stack.enter_context(
            postgres_database(self.options.postgres_url, f"bench_{self.run_id}")
        )
        stack.enter_context(redis_prefix(self.redis, self.prefix))
        self.env = {
            **self.base_env(),
            "SECRET_KEY": f"bench-{self.run_id}",
            "DATABASE_URL": db_url,
            "CONVEYOR_BROKER_KEY_PREFIX": self.prefix,
            "CONVEYOR_DATA_DIR": str(data_dir),
        }
        conveyor = executable("conveyor")
        run_to_end("conveyor migrate", [conveyor, "migrate", "-v0"], self.env)
        self.key = run_to_end(
            "conveyor create_api_client",
            [conveyor, "create_api_client", "bench", "--key-only"],
            self.env,
        ).strip()
        self.db = stack.enter_context(psycopg.connect(db_url, autocommit=True))

    def reset(self) -> None:
        self.db.execute("TRUNCATE jobs_job CASCADE")  # attempts, idempotency keys, …
        delete_keys(self.redis, self.prefix)

    @contextmanager
    def api(self) -> Iterator[Endpoint]:
        port = free_port()
        process = Process(
            "conveyor-api",
            [executable("gunicorn"), "-c", "python:conveyor.config.gunicorn"],
            {**self.env, **self._gunicorn_env(port)},
            self.options.work_dir,
        )
        with self._serving(process, port):
            yield Endpoint(
                url=f"http://127.0.0.1:{port}/v1/jobs",
                body=json.dumps({"type": "demo.noop"}),
                headers={"Authorization": f"Bearer {self.key}"},
                expect_status=201,
            )

    def fill(self, count: int) -> None:
        run_to_end(
            "bench.conveyor_fill",
            [sys.executable, "-m", "bench.conveyor_fill", str(count)],
            self.env,
            timeout=FILL_SECONDS,
        )
        queued = self._count("queued")
        if queued != count:
            raise RuntimeError(f"conveyor's backlog holds {queued} jobs, not {count}")

    @contextmanager
    def worker(self) -> Iterator[Process]:
        process = Process(
            "conveyor-worker",
            [
                executable("celery"),
                "-A",
                "conveyor_worker.app",
                "worker",
                "-Q",
                "default,conveyor",
                "-c",
                str(self.options.worker_concurrency),
                "--loglevel=WARNING",
            ],
            self.env,
            self.options.work_dir,
        )
        with running(process):
            yield process

    def completed(self, total: int) -> int:
        return self._count("succeeded")

    def describe(self) -> str:
        rows = self.db.execute("SELECT state, count(*) FROM jobs_job GROUP BY state").fetchall()
        states = ", ".join(f"{state} {count}" for state, count in rows) or "no jobs"
        return f"jobs: {states}; messages under {self.prefix!r}: {self._messages()}"

    def counters(self) -> dict[str, int]:
        # Sessions opened on conveyor's database (PostgreSQL 14+): new connections.
        row = self.db.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
        return {"postgres_sessions": int(row[0])} if row and row[0] is not None else {}

    def _messages(self) -> int:
        return waiting_messages(self.redis, self.prefix, ("default", "conveyor"))

    def _count(self, state: str) -> int:
        row = self.db.execute("SELECT count(*) FROM jobs_job WHERE state = %s", (state,)).fetchone()
        return int(row[0]) if row else 0


class PlainCelery(Side):
    """The hand-wired baseline (``bench.baseline``): a DRF view and a plain Celery task."""

    name = "plain"
    title = "plain Celery"
    results = False

    def prepare(self, stack: ExitStack) -> None:
        stack.enter_context(redis_prefix(self.redis, self.prefix))
        self.env = {
            **self.base_env(),
            "DJANGO_SETTINGS_MODULE": "bench.baseline.settings",
            "BASELINE_KEY_PREFIX": self.prefix,
            "BASELINE_RESULT_BACKEND": self.options.redis_url if self.results else "",
        }

    def reset(self) -> None:
        delete_keys(self.redis, self.prefix)

    @contextmanager
    def api(self) -> Iterator[Endpoint]:
        port = free_port()
        # conveyor's gunicorn settings (config/gunicorn.py), written out as flags.
        argv = [
            executable("gunicorn"),
            "bench.baseline.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(self.options.api_workers),
            "--threads",
            str(self.options.api_threads),
            "--timeout",
            "60",
            "--graceful-timeout",
            "30",
            "--keep-alive",
            "5",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ]
        if os.path.isdir("/dev/shm"):
            argv += ["--worker-tmp-dir", "/dev/shm"]
        process = Process(f"{self.name}-api", argv, self.env, self.options.work_dir)
        with self._serving(process, port):
            yield Endpoint(
                url=f"http://127.0.0.1:{port}/jobs",
                body=json.dumps({"type": "demo.noop"}),
                headers={},
                expect_status=201,
            )

    def fill(self, count: int) -> None:
        run_to_end(
            "bench.baseline.fill",
            [sys.executable, "-m", "bench.baseline.fill", str(count)],
            self.env,
            timeout=FILL_SECONDS,
        )
        waiting = self._waiting()
        if waiting != count:
            raise RuntimeError(f"{self.title}'s backlog holds {waiting} messages, not {count}")

    @contextmanager
    def worker(self) -> Iterator[Process]:
        process = Process(
            f"{self.name}-worker",
            [
                executable("celery"),
                "-A",
                "bench.baseline.celery_app",
                "worker",
                "-Q",
                "default",
                "-c",
                str(self.options.worker_concurrency),
                "--loglevel=WARNING",
            ],
            self.env,
            self.options.work_dir,
        )
        with running(process):
            yield process

    def completed(self, total: int) -> int:
        # Late acks: a message leaves the unacked hash only once its task has run.
        return total - self._waiting()

    def describe(self) -> str:
        return f"messages waiting or unacknowledged under {self.prefix!r}: {self._waiting()}"

    def _waiting(self) -> int:
        return waiting_messages(self.redis, self.prefix, ("default",))


class PlainCeleryWithResults(PlainCelery):
    """The baseline with a Redis result backend: what a team needs to report job status."""

    name = "plain-results"
    title = "plain Celery + results"
    results = True


SIDES: dict[str, type[Side]] = {
    side.name: side for side in (Conveyor, PlainCelery, PlainCeleryWithResults)
}
