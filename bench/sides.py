"""The sides measured: conveyor, and hand-wired DRF + Celery baselines on the same broker.

A side owns its state (a database, a broker namespace) for one broker's part of the run
and can start its API, fill its backlog with the worker stopped, start its worker, count
what that worker has finished, and say how a client makes a round trip. Scenarios drive
sides only through this interface.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
import redis

from bench.brokers import BrokerSpace, broker_space
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
from bench.stores import postgres_database

API_READY_SECONDS = 60.0
WRAPPED_SLOWDOWN = 10
FILL_SECONDS = 300.0
NOOP = {"type": "demo.noop"}


@dataclass(frozen=True)
class Endpoint:
    """Where and what the load generator and the round-trip client send."""

    base_url: str
    submit_path: str
    batch_path: str
    headers: dict[str, str]
    # The API's process (its RSS is measured).
    process: Process

    def submit_body(self) -> str:
        return json.dumps(NOOP)

    def batch_body(self, size: int) -> str:
        return json.dumps({"jobs": [NOOP] * size})


class Side(ABC):
    name: str
    title: str
    # The queues this side's worker consumes (and the run purges).
    queues: tuple[str, ...]
    # The environment of this side's processes (set by ``prepare``).
    env: dict[str, str]

    def __init__(
        self, options: Options, run_id: str, redis_client: redis.Redis, broker: str
    ) -> None:
        self.options = options
        self.run_id = run_id
        self.redis = redis_client
        self.broker = broker
        # A name valid as a database, a vhost and a key prefix.
        self.namespace = f"bench_{run_id}_{broker}_{self.name.replace('-', '_')}"

    def _space(self, stack: ExitStack) -> BrokerSpace:
        return stack.enter_context(
            broker_space(
                self.broker,
                name=self.namespace,
                redis_url=self.options.redis_url,
                rabbitmq_url=self.options.rabbitmq_url,
                redis_client=self.redis,
            )
        )

    def base_env(self, space: BrokerSpace) -> dict[str, str]:
        return {
            **os.environ,
            # The repository first (bench.*), then whatever the caller put on the path.
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
            "LOG_LEVEL": "WARNING",
            "BROKER_URL": space.url,
        }

    @abstractmethod
    def prepare(self, stack: ExitStack) -> None:
        """Create this side's state; ``stack`` removes it at the end of the broker's part."""

    @abstractmethod
    def reset(self) -> None:
        """Forget every job and message, so each scenario starts empty."""

    @abstractmethod
    def api(
        self, *, wrapper: Sequence[str] = (), workers: int | None = None
    ) -> AbstractContextManager[Endpoint]:
        """The API, started and ready; stopped on the way out. ``wrapper``: a command the
        server runs under (the cost scenario's callgrind); ``workers``: gunicorn's
        processes, if not ``api_workers``."""

    @abstractmethod
    def fill(self, count: int, *, batch: bool = False) -> None:
        """Put ``count`` no-op jobs in the backlog (no worker runs); ``batch``: as a batch
        submission would (conveyor: ``jobs_create_batch``, 1,000 a batch, so bundles)."""

    @abstractmethod
    def worker(self) -> AbstractContextManager[Process]:
        """The worker, started; stopped on the way out."""

    @abstractmethod
    def completed(self, total: int) -> int:
        """How many of the ``total`` jobs in the backlog the worker has finished."""

    @abstractmethod
    def describe(self) -> str:
        """Where the jobs are, in a few words (for errors)."""

    def round_trip(self, endpoint: Endpoint) -> dict[str, Any] | None:
        """How ``bench.roundtrip`` (run with this side's environment) submits a job and
        waits for its outcome; None if this side cannot report one (no result backend)."""
        return None

    def counters(self) -> dict[str, int]:
        """Cumulative counters worth reporting as a difference across a scenario."""
        return {}

    # The API's liveness path, sampled by the waiting-under-load scenario.
    health_path = "/readyz"

    def takes_part(self, scenario: str) -> bool:
        """Whether this side runs ``scenario`` on its broker (its cells show n/a if not)."""
        return True

    @contextmanager
    def _gthread_api(
        self, wsgi_app: str, wrapper: Sequence[str] = (), workers: int | None = None
    ) -> Iterator[Endpoint]:
        """A WSGI baseline's API under gunicorn gthread, with conveyor's gunicorn
        settings (config/gunicorn.py) written out as flags."""
        port = free_port()
        argv = [
            *wrapper,
            executable("gunicorn"),
            wsgi_app,
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(workers or self.options.api_workers),
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
        process = Process(f"{self.name}-api-{self.broker}", argv, self.env, self.options.work_dir)
        with self._serving(process, port):
            yield Endpoint(
                base_url=f"http://127.0.0.1:{port}",
                submit_path="/jobs",
                batch_path="/jobs/batch",
                headers={},
                process=process,
            )

    def _gunicorn_env(self, port: int) -> dict[str, str]:
        return {
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKER_CLASS": "gthread",
            "GUNICORN_WORKERS": str(self.options.api_workers),
            "GUNICORN_THREADS": str(self.options.api_threads),
        }

    def _worker_argv(self, app: str) -> list[str]:
        return [
            executable("celery"),
            "-A",
            app,
            "worker",
            "-Q",
            ",".join(self.queues),
            "-c",
            str(self.options.worker_concurrency),
            "--loglevel=WARNING",
        ]

    @contextmanager
    def _serving(self, process: Process, port: int) -> Iterator[Process]:
        # Under a wrapper (callgrind) a server starts tens of times slower.
        wrapped = process.argv[0] != executable("gunicorn")
        with running(process):
            wait_until(
                lambda: _get_status(port, "/readyz") == 200,
                timeout=API_READY_SECONDS * (WRAPPED_SLOWDOWN if wrapped else 1),
                what=f"{process.name} to be ready",
                alive=process.alive,
            )
            yield process


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
    """conveyor as it runs in production: gunicorn, a celery worker, PostgreSQL, a broker."""

    name = "conveyor"
    title = "conveyor"
    queues = ("default", "conveyor")
    health_path = "/healthz"

    def prepare(self, stack: ExitStack) -> None:
        data_dir = self.options.work_dir / f"conveyor-data-{self.broker}"
        (data_dir / "static").mkdir(parents=True, exist_ok=True)
        db_url = stack.enter_context(postgres_database(self.options.postgres_url, self.namespace))
        self.space = self._space(stack)
        self.env = {
            **self.base_env(self.space),
            "SECRET_KEY": f"bench-{self.run_id}",
            "DATABASE_URL": db_url,
            "CONVEYOR_DATA_DIR": str(data_dir),
            # One client submits the whole load, of demo job types: the fair-share limits
            # a deployment puts on each tenant (docs/security.md) would measure themselves.
            "CONVEYOR_DEMO_JOB_TYPES": "true",
            "CONVEYOR_THROTTLE_RATE": "none",
            "CONVEYOR_MAX_UNFINISHED_JOBS": "0",
        }
        if self.space.is_redis:
            self.env["CONVEYOR_BROKER_KEY_PREFIX"] = self.space.key_prefix
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
        self.space.purge(self.queues)

    @contextmanager
    def api(self, *, wrapper: Sequence[str] = (), workers: int | None = None) -> Iterator[Endpoint]:
        port = free_port()
        process = Process(
            f"conveyor-api-{self.broker}",
            [*wrapper, executable("gunicorn"), "-c", "python:conveyor.config.gunicorn"],
            # As shipped: uvicorn's worker on the ASGI app, a pool of api_threads
            # database connections per process.
            {
                **self.env,
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": str(workers or self.options.api_workers),
                "DATABASE_POOL_MAX_SIZE": str(self.options.api_threads),
            },
            self.options.work_dir,
        )
        with self._serving(process, port):
            yield Endpoint(
                base_url=f"http://127.0.0.1:{port}",
                submit_path="/v1/jobs",
                batch_path="/v1/jobs/batch",
                headers={"Authorization": f"Bearer {self.key}"},
                process=process,
            )

    def fill(self, count: int, *, batch: bool = False) -> None:
        run_to_end(
            "bench.conveyor_fill",
            [
                sys.executable,
                "-m",
                "bench.conveyor_fill",
                str(count),
                *(["--batch"] if batch else []),
            ],
            self.env,
            timeout=FILL_SECONDS,
        )
        queued = self._count("queued")
        if queued != count:
            raise RuntimeError(f"conveyor's backlog holds {queued} jobs, not {count}")

    @contextmanager
    def worker(self) -> Iterator[Process]:
        # Metrics on, as shipped, on a port of its own (several workers may run at once).
        env = {**self.env, "CONVEYOR_WORKER_METRICS_PORT": str(free_port())}
        process = Process(
            f"conveyor-worker-{self.broker}",
            self._worker_argv("conveyor_worker.app"),
            env,
            self.options.work_dir,
        )
        with running(process):
            yield process

    def completed(self, total: int) -> int:
        return self._count("succeeded")

    def describe(self) -> str:
        rows = self.db.execute("SELECT state, count(*) FROM jobs_job GROUP BY state").fetchall()
        states = ", ".join(f"{state} {count}" for state, count in rows) or "no jobs"
        return f"jobs: {states}; messages waiting: {self.space.waiting(self.queues)}"

    def round_trip(self, endpoint: Endpoint) -> dict[str, Any] | None:
        return {
            "mode": "http",
            "base_url": endpoint.base_url,
            "submit_path": endpoint.submit_path,
            "headers": endpoint.headers,
            "body": endpoint.submit_body(),
        }

    def counters(self) -> dict[str, int]:
        # Sessions opened on conveyor's database (PostgreSQL 14+): new connections.
        row = self.db.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
        return {"postgres_sessions": int(row[0])} if row and row[0] is not None else {}

    def _count(self, state: str) -> int:
        row = self.db.execute("SELECT count(*) FROM jobs_job WHERE state = %s", (state,)).fetchone()
        return int(row[0]) if row else 0


class PlainCelery(Side):
    """The hand-wired baseline (``bench.baseline``): a DRF view and a plain Celery task."""

    name = "plain"
    title = "plain Celery"
    queues = ("default",)
    results = False

    def prepare(self, stack: ExitStack) -> None:
        self.space = self._space(stack)
        self.env = {
            **self.base_env(self.space),
            "DJANGO_SETTINGS_MODULE": "bench.baseline.settings",
            "BASELINE_KEY_PREFIX": self.space.key_prefix,
            "BASELINE_TRANSPORT_OPTIONS": json.dumps(self.space.transport_options()),
            "BASELINE_RESULT_BACKEND": self.options.redis_url if self.results else "",
        }

    def reset(self) -> None:
        self.space.purge(self.queues)

    def api(
        self, *, wrapper: Sequence[str] = (), workers: int | None = None
    ) -> AbstractContextManager[Endpoint]:
        return self._gthread_api("bench.baseline.wsgi:application", wrapper, workers)

    def fill(self, count: int, *, batch: bool = False) -> None:
        # the baseline has no batch of its own: .delay() per job either way
        run_to_end(
            "bench.baseline.fill",
            [sys.executable, "-m", "bench.baseline.fill", str(count)],
            self.env,
            timeout=FILL_SECONDS,
        )
        waiting = self.space.waiting(self.queues)
        if waiting != count:
            raise RuntimeError(f"{self.title}'s backlog holds {waiting} messages, not {count}")

    @contextmanager
    def worker(self) -> Iterator[Process]:
        process = Process(
            f"{self.name}-worker-{self.broker}",
            self._worker_argv("bench.baseline.celery_app"),
            self.env,
            self.options.work_dir,
        )
        with running(process):
            yield process

    def completed(self, total: int) -> int:
        # Late acks: a message leaves the unacked hash only once its task has run.
        return total - self.space.waiting(self.queues)

    def describe(self) -> str:
        return f"messages waiting or unacknowledged: {self.space.waiting(self.queues)}"


class PlainCeleryWithResults(PlainCelery):
    """The baseline with a Redis result backend: what a team needs to report job status."""

    name = "plain-results"
    title = "plain Celery + results"
    results = True

    def round_trip(self, endpoint: Endpoint) -> dict[str, Any] | None:
        return {"mode": "celery"}


class Dramatiq(Side):
    """The Dramatiq peer (``bench.dramatiq_peer``): a queue that keeps no state.

    Redis only (its RabbitMQ broker would need pika and a queue count of its own); no
    result backend, so no round trip. Its worker is Dramatiq's CLI with 2 processes x 8
    threads, whatever ``--worker-concurrency`` says: the setup its docs suggest.
    """

    name = "dramatiq"
    title = "Dramatiq"
    queues = ("default",)
    brokers = ("redis",)
    processes = 2
    threads = 8
    # What it cannot do: wait for an outcome (no result backend).
    without = frozenset({"roundtrip", "waiting"})

    def takes_part(self, scenario: str) -> bool:
        return self.broker in self.brokers and scenario not in self.without

    def prepare(self, stack: ExitStack) -> None:
        if self.broker not in self.brokers:
            return
        self.space = self._space(stack)
        self.dramatiq_namespace = self.space.key_prefix.rstrip(":")
        self.env = {
            **self.base_env(self.space),
            "DJANGO_SETTINGS_MODULE": "bench.dramatiq_peer.settings",
            "DRAMATIQ_REDIS_URL": self.space.url,
            "DRAMATIQ_NAMESPACE": self.dramatiq_namespace,
        }

    def reset(self) -> None:
        self.space.purge(self.queues)

    def api(
        self, *, wrapper: Sequence[str] = (), workers: int | None = None
    ) -> AbstractContextManager[Endpoint]:
        return self._gthread_api("bench.dramatiq_peer.wsgi:application", wrapper, workers)

    def fill(self, count: int, *, batch: bool = False) -> None:
        # Batch or not, one .send() per job, as the Celery baselines' .delay().
        run_to_end(
            "bench.dramatiq_peer.fill",
            [sys.executable, "-m", "bench.dramatiq_peer.fill", str(count)],
            self.env,
            timeout=FILL_SECONDS,
        )
        waiting = self._waiting()
        if waiting != count:
            raise RuntimeError(f"{self.title}'s backlog holds {waiting} messages, not {count}")

    @contextmanager
    def worker(self) -> Iterator[Process]:
        argv = [
            executable("dramatiq"),
            "bench.dramatiq_peer.app",
            "--processes",
            str(self.processes),
            "--threads",
            str(self.threads),
            "--queues",
            *self.queues,
        ]
        process = Process(
            f"{self.name}-worker-{self.broker}", argv, self.env, self.options.work_dir
        )
        with running(process):
            yield process

    def completed(self, total: int) -> int:
        return total - self._waiting()

    def describe(self) -> str:
        return f"messages not acknowledged: {self._waiting()}"

    def _waiting(self) -> int:
        """Messages not yet acknowledged: Dramatiq's Redis broker keeps each in the hash
        ``<namespace>:<queue>.msgs`` (delayed ones in ``….DQ.msgs``) until its ack, which
        comes after the actor ran."""
        pipe = self.redis.pipeline(transaction=False)
        for queue in self.queues:
            pipe.hlen(f"{self.dramatiq_namespace}:{queue}.msgs")
            pipe.hlen(f"{self.dramatiq_namespace}:{queue}.DQ.msgs")
        return sum(int(n) for n in pipe.execute())


SIDES: dict[str, type[Side]] = {
    side.name: side for side in (Conveyor, PlainCelery, PlainCeleryWithResults, Dramatiq)
}
