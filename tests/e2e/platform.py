"""conveyor as it runs in production, on this machine: gunicorn, celery worker, celery beat.

Each platform gets its own PostgreSQL database and its own broker namespace (a Redis key
prefix or a RabbitMQ vhost), so runs never see each other's jobs.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
import redis
from celery import Celery

from conveyor_worker.health import heartbeat_age
from tests import shared_services as services
from tests.procs import BIN, Proc, free_port, run, wait_until

FINAL = {"succeeded", "failed", "cancelled"}
# Static files are collected once per test run, as the image does at build time.
STATIC_ROOT = Path(tempfile.gettempdir()) / f"conveyor-static-{services.RUN_ID}"
TEMPLATE_PREFIX = f"conveyor_tmpl_{services.RUN_ID}_"


ROOT = Path(__file__).resolve().parents[2]


def killable_job_types_env() -> dict[str, str]:
    """A platform's extra environment for the test job types (``tests/e2e/jobtypes.py``,
    ``handlers.py``), a 1 s grace after a hard time limit (a killed pool process is
    replaced quickly) and a worker metrics port of its own."""
    return {
        "PYTHONPATH": str(ROOT),
        "CONVEYOR_JOB_TYPE_MODULES": "conveyor.jobtypes,tests.e2e.jobtypes",
        "CONVEYOR_HANDLER_MODULES": "conveyor_worker.handlers,tests.e2e.handlers",
        "CONVEYOR_HARD_LIMIT_GRACE_SECONDS": "1",
        "CONVEYOR_WORKER_METRICS_PORT": str(free_port()),
    }


def collect_static_once(env: dict[str, str]) -> None:
    """collectstatic into the run's shared STATIC_ROOT, once, whatever the xdist workers."""
    STATIC_ROOT.parent.mkdir(parents=True, exist_ok=True)
    with (STATIC_ROOT.parent / f"{STATIC_ROOT.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (STATIC_ROOT / "staticfiles.json").exists():
            run([str(BIN / "conveyor"), "collectstatic", "--noinput", "-v0"], env)


# The API clients every platform has: name -> extra create_api_client arguments.
CLIENTS = {
    "alice": [],
    "bob": [],
    "reader": ["--scopes", "jobs:read"],
    # an operator: the queues and workers too (tests/e2e/test_queue_pause.py)
    "operator": ["--scopes", "jobs:read,jobs:write,queues:read,queues:write,workers:read"],
}


def _fill_template(url: str, env: dict[str, str], keys_file: Path) -> None:
    """Migrate the template and create the API clients, keeping their keys beside it."""
    env = {**env, "DATABASE_URL": url}
    run([str(BIN / "conveyor"), "migrate", "-v0"], env)
    keys = {
        client: run(
            [str(BIN / "conveyor"), "create_api_client", client, *args, "--key-only"], env
        ).strip()
        for client, args in CLIENTS.items()
    }
    keys_file.write_text(json.dumps(keys))


def create_database(pg_url: str, name: str, env: dict[str, str]) -> dict[str, str]:
    """Database ``name``, migrated and with the API clients; returns their keys.

    It is a copy (``CREATE DATABASE … TEMPLATE``) of a template made once per test run and
    PostgreSQL server: a copy takes a fraction of a second, where migrating and creating
    the clients take seconds per platform. The templates go at the end (``drop_templates``).
    """
    template = f"{TEMPLATE_PREFIX}{urlsplit(pg_url).port}"
    keys_file = Path(tempfile.gettempdir()) / f"{template}.keys.json"
    with (Path(tempfile.gettempdir()) / f"{template}.lock").open("w") as lock:
        # One process makes the template; a template being copied must have no sessions.
        fcntl.flock(lock, fcntl.LOCK_EX)
        with psycopg.connect(pg_url, autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (template,))
            if found.fetchone() is None:
                conn.execute(f'CREATE DATABASE "{template}"')
                try:
                    url = urlsplit(pg_url)._replace(path=f"/{template}").geturl()
                    _fill_template(url, env, keys_file)
                except BaseException:
                    conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
                    raise
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        keys: dict[str, str] = json.loads(keys_file.read_text())
    return keys


def drop_templates(pg_url: str = services.PG_URL) -> None:
    """Drop this run's template databases (the controlling process, at the end)."""
    with psycopg.connect(pg_url, autocommit=True, connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{TEMPLATE_PREFIX}%",)
        ).fetchall()
        for (name,) in rows:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for leftover in Path(tempfile.gettempdir()).glob(f"{TEMPLATE_PREFIX}*"):
        leftover.unlink(missing_ok=True)


@dataclass
class Broker:
    kind: str
    url: str
    env: dict[str, str]
    transport_options: dict[str, Any]
    cleanup: list[list[str]] = field(default_factory=list)


def make_broker(
    kind: str,
    name: str,
    *,
    redis_url: str = services.REDIS_URL,
    rabbitmq_url: str | None = None,
) -> Broker:
    if kind == "rabbitmq" and rabbitmq_url is not None:
        # a node of the test's own (tests/private_services.py): its URL as given
        return Broker(kind, rabbitmq_url, {}, {"confirm_publish": True})
    if kind == "redis":
        prefix = f"{name}:"
        return Broker(
            kind,
            redis_url,
            {"CONVEYOR_BROKER_KEY_PREFIX": prefix},
            {"global_keyprefix": prefix},
        )
    if kind == "rabbitmq":
        subprocess.run(
            ["rabbitmqctl", "-q", "add_vhost", name], check=True, capture_output=True, timeout=60
        )
        subprocess.run(
            ["rabbitmqctl", "-q", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        url = services.RABBITMQ_URL.rstrip("/") + "/" + name
        return Broker(
            kind,
            url,
            {},
            {"confirm_publish": True},
            cleanup=[["rabbitmqctl", "-q", "delete_vhost", name]],
        )
    raise ValueError(kind)


@dataclass
class Platform:
    broker: Broker
    db_name: str
    data_dir: Path
    env: dict[str, str]
    pg_url: str = services.PG_URL
    base_url: str = ""
    procs: dict[str, Proc] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    # Idle connections dropped after 2 s, before gunicorn's keepalive (5 s) closes them: a
    # request sent on a connection the server is closing fails with "Server disconnected".
    http: httpx.Client = field(
        default_factory=lambda: httpx.Client(timeout=30, limits=httpx.Limits(keepalive_expiry=2))
    )

    # ---- lifecycle ------------------------------------------------------------------

    @classmethod
    @contextmanager
    def running(
        cls,
        broker_kind: str,
        *,
        extra_env: Mapping[str, str] | None = None,
        worker_concurrency: int = 3,
        pg_url: str = services.PG_URL,
        redis_url: str = services.REDIS_URL,
        rabbitmq_url: str | None = None,
        api_env: Mapping[str, str] | None = None,
        worker_queues: str = "default,conveyor",
    ) -> Iterator[Platform]:
        """A platform on its own database (in the server at ``pg_url``) and broker namespace;
        ``rabbitmq_url``: a private RabbitMQ node, used as it is instead of a vhost on the
        machine's node; ``api_env``: the API's gunicorn settings (``GUNICORN_*``), when not
        2 workers of 4 threads; ``worker_queues``: what its worker consumes."""
        name = f"conveyor_e2e_{services.RUN_ID}_{broker_kind}_{uuid.uuid4().hex[:6]}"
        data_dir = Path(tempfile.mkdtemp(prefix=f"{name}-"))
        broker = make_broker(broker_kind, name, redis_url=redis_url, rabbitmq_url=rabbitmq_url)
        db_url = urlsplit(pg_url)._replace(path=f"/{name}").geturl()
        env = {
            **os.environ,
            "SECRET_KEY": "e2e-secret",
            "DATABASE_URL": db_url,
            "BROKER_URL": broker.url,
            "CONVEYOR_DATA_DIR": str(data_dir),
            "STATIC_ROOT": str(STATIC_ROOT),
            "CONVEYOR_HTTP_ALLOWED_NETWORKS": "127.0.0.0/8",
            "CONVEYOR_EXTRA_QUEUES": "idle",
            "CONVEYOR_CANCEL_GRACE_SECONDS": "2",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **broker.env,
            **(extra_env or {}),
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        platform = cls(broker=broker, db_name=name, data_dir=data_dir, env=env, pg_url=pg_url)
        platform.keys.update(create_database(pg_url, name, env))
        try:
            platform._boot(worker_concurrency, api_env or {}, worker_queues)
            yield platform
        finally:
            platform.shutdown()

    def _boot(
        self, worker_concurrency: int, api_env: Mapping[str, str], worker_queues: str
    ) -> None:
        collect_static_once(self.env)
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        self.start(
            "api",
            [str(BIN / "gunicorn"), "-c", "python:conveyor.config.gunicorn"],
            GUNICORN_BIND=f"127.0.0.1:{port}",
            **{"GUNICORN_WORKERS": "2", **api_env},
        )
        self.start_worker(
            "worker", concurrency=worker_concurrency, queues=worker_queues, wait_ready=False
        )
        # beat exits on some broker errors; in a cluster the kubelet restarts it
        self.start_beat("beat").supervise()
        try:
            wait_until(
                lambda: self.http.get(f"{self.base_url}/readyz").status_code == 200,
                timeout=60,
                message="the API to be ready",
            )
        except TimeoutError as timed_out:
            log = self.procs["api"].log_tail(3000)
            raise TimeoutError(f"{timed_out}; its log:\n{log}") from None
        self.wait_worker_ready("worker")

    def wait_worker_ready(self, name: str, timeout: float = 60) -> None:
        """Until the worker has declared its queues and consumes (Celery logs ``ready.``).

        A fault injected earlier lands in the middle of its start-up instead: on RabbitMQ a
        vhost deleted while the consumer declares refuses the declaration with a channel
        error, which Celery treats as unrecoverable (in a cluster the kubelet restarts it).
        """
        proc = self.procs[name]
        try:
            wait_until(
                lambda: f"{name}@" in (text := proc.log_tail(400)) and " ready." in text,
                timeout=timeout,
                message=f"{name} to be consuming (its log: {proc.log_path})",
            )
        except TimeoutError as exc:
            # The log goes with the platform's directory: its end goes with the error.
            raise TimeoutError(f"{exc}\n--- its last lines:\n{proc.log_tail(30)}") from None

    def probe_worker_liveness(self, name: str) -> Proc:
        """The chart's liveness probe on a worker, scaled to its heartbeat interval: the
        heartbeat older than six intervals fails it, three failures a period apart restart
        the worker (chart: 10 s heartbeat, 60 s max age, 3 x 20 s)."""
        interval = float(self.env.get("CONVEYOR_HEARTBEAT_SECONDS", "10"))
        path = self.data_dir / f"{name}.heartbeat"

        def healthy() -> bool:
            age = heartbeat_age(path)
            return age is not None and age <= 6 * interval

        return self.procs[name].probe_liveness(healthy, period=2 * interval, failures=3)

    @contextmanager
    def probes_held(self) -> Iterator[None]:
        """No liveness probe counts a failure while the block runs (a broker outage the
        test causes: no worker can consume then, and a kubelet would restart the workers of
        a long one); afterwards each probe starts over as after a start. What the probes
        then see is the consumers coming back by themselves, or not: check it with
        ``wait_consuming``."""
        for proc in self.procs.values():
            proc.probe_held = True
        try:
            yield
        finally:
            for proc in self.procs.values():
                proc.probe_held = False

    def wait_consuming(self, name: str, since: float, timeout: float = 90) -> None:
        """Until worker ``name`` has consumed a heartbeat ping after ``since`` (a
        ``time.time()``): its consumer works again, without a restart. (Two refreshes of
        the heartbeat file: its consumer step touches it once when it starts, before any
        ping arrives.)"""
        path = self.data_dir / f"{name}.heartbeat"
        seen: list[float] = []

        def consumed_twice() -> bool:
            mtime = path.stat().st_mtime if path.exists() else 0.0
            if mtime > since and mtime not in seen:
                seen.append(mtime)
            return len(seen) >= 2

        try:
            wait_until(
                consumed_twice, timeout=timeout, interval=0.2, message=f"{name} to consume again"
            )
        except TimeoutError as exc:
            raise AssertionError(
                f"{exc}: its consumer stayed silent after the fault\n"
                f"{self.procs[name].log_tail(80)}"
            ) from None

    def start(self, name: str, args: list[str], **env: str) -> Proc:
        proc = Proc(name, args, {**self.env, **env}, self.data_dir / f"{name}.log").start()
        self.procs[name] = proc
        return proc

    def start_beat(self, name: str) -> Proc:
        """A celery beat on the platform's database scheduler (CELERY_BEAT_SCHEDULER)."""
        return self.start(
            name, [str(BIN / "celery"), "-A", "conveyor_worker.app", "beat", "--loglevel=INFO"]
        )

    def start_worker(
        self,
        name: str,
        *,
        concurrency: int = 3,
        queues: str = "default,conveyor",
        wait_ready: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> Proc:
        """A celery worker; by default, once it consumes (a signal it gets while starting
        up finds Celery half-built). ``env`` adds to the platform's environment (a worker
        of another release, say)."""
        proc = self.start(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "conveyor_worker.app",
                "worker",
                "-Q",
                queues,
                "-c",
                str(concurrency),
                "-n",
                f"{name}@%h",
                "--loglevel=INFO",
                "-O",
                "fair",
            ],
            CONVEYOR_HEARTBEAT_FILE=str(self.data_dir / f"{name}.heartbeat"),
            **(env or {}),
        )
        if wait_ready:
            self.wait_worker_ready(name)
        return proc

    def shutdown(self) -> None:
        for proc in reversed(list(self.procs.values())):
            proc.stop(timeout=20)
        self.http.close()
        try:
            with psycopg.connect(self.pg_url, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        except psycopg.OperationalError:
            pass  # a private server already gone takes the database with it
        for command in self.broker.cleanup:
            subprocess.run(command, check=False, capture_output=True, timeout=60)
        if not os.environ.get("CONVEYOR_E2E_KEEP_LOGS"):  # set it to read the logs after a run
            shutil.rmtree(self.data_dir, ignore_errors=True)
        if self.broker.kind == "redis":
            client = redis.Redis.from_url(self.broker.url, socket_connect_timeout=2)
            prefix = self.broker.env["CONVEYOR_BROKER_KEY_PREFIX"]
            try:
                keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
                if keys:
                    client.delete(*keys)
            except redis.RedisError:
                pass  # a private Redis already gone

    def worker_samples(self, name: str) -> dict[str, float]:
        """The samples of metric ``name`` on the worker's exporter (its port is
        ``CONVEYOR_WORKER_METRICS_PORT`` in the platform's environment), by label text:
        ``{'name{label="value"}': 1.0}``."""
        port = self.env["CONVEYOR_WORKER_METRICS_PORT"]
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        samples: dict[str, float] = {}
        for row in text.splitlines():
            if row.startswith(f"{name}{{"):
                labels, value = row.rsplit(" ", 1)
                samples[labels] = float(value)
        return samples

    def logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{proc.log_tail()}" for name, proc in self.procs.items())

    # ---- the API --------------------------------------------------------------------

    def headers(self, client: str = "alice") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[client]}"}

    def submit(self, body: Mapping[str, Any], client: str = "alice") -> dict[str, Any]:
        response = self.http.post(
            f"{self.base_url}/v1/jobs", json=dict(body), headers=self.headers(client)
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def get(self, job_id: str, client: str = "alice") -> dict[str, Any]:
        response = self.http.get(f"{self.base_url}/v1/jobs/{job_id}", headers=self.headers(client))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def post(self, path: str, client: str = "alice") -> httpx.Response:
        return self.http.post(f"{self.base_url}{path}", headers=self.headers(client))

    def wait_state(
        self, job_id: str, states: set[str] | str, timeout: float = 60, client: str = "alice"
    ) -> dict[str, Any]:
        wanted = {states} if isinstance(states, str) else states
        try:
            job = wait_until(
                lambda: (j := self.get(job_id, client))["state"] in wanted and j,
                timeout=timeout,
                interval=0.1,
                message=f"job {job_id} to reach {sorted(wanted)}",
            )
        except TimeoutError as exc:
            raise AssertionError(
                f"{exc}; job is {self.get(job_id, client)}\n{self.logs()}"
            ) from None
        assert isinstance(job, dict)
        return job

    def wait_final(self, job_id: str, timeout: float = 60) -> dict[str, Any]:
        return self.wait_state(job_id, FINAL, timeout)

    # ---- the database and the broker, as an operator would see them -----------------

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        url = urlsplit(self.pg_url)._replace(path=f"/{self.db_name}").geturl()
        with psycopg.connect(url, autocommit=True) as conn:
            return list(conn.execute(query, params).fetchall())  # type: ignore[arg-type]

    def job_count(self) -> int:
        return int(self.sql("SELECT count(*) FROM jobs_job")[0][0])

    def celery(self) -> Celery:
        app = Celery("e2e-sender", broker=self.broker.url)
        app.conf.broker_transport_options = self.broker.transport_options
        app.conf.task_serializer = "json"
        if self.broker.kind == "rabbitmq":
            # declare queues as conveyor does (priority queues), or RabbitMQ refuses
            app.conf.task_queue_max_priority = 10
        return app


def elapsed(start: str, end: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def monotonic_deadline(seconds: float) -> float:
    return time.monotonic() + seconds
