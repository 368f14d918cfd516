"""``make run``: the whole platform on this machine, and a few demo jobs flowing through it.

    python -m conveyor.local [--host 127.0.0.1] [--port 8000] [--no-demo]

This is a module, not a management command, because it must set the environment before
Django reads its settings: SECRET_KEY has no default, so the secret key is generated once
and kept in ``<data dir>/secret_key`` unless the environment sets one.

Then, in order: migrate, collect the static files, make sure a demo API key and an admin
user exist (both kept in the data dir and reused), start gunicorn, a Celery worker and
beat as child processes (their output goes to ``<data dir>/logs/``), wait for
``/readyz``, submit demo jobs over HTTP, show them move until they are final, and print
how to use what runs. Ctrl-C (or SIGTERM) stops every child and exits 0; a child that
dies on its own stops the rest and exits 1.

The embedded default needs no server: SQLite for the database and for the broker
(kombu's SQLAlchemy transport). DATABASE_URL and BROKER_URL select real ones.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from conveyor.config.env import data_dir as configured_data_dir

READY_DEADLINE_SECONDS = 90.0
DEMO_DEADLINE_SECONDS = 180.0
# On SIGTERM the worker lets running jobs finish for its shutdown grace; allow that and a bit.
STOP_SLACK_SECONDS = 10.0
DEFAULT_SHUTDOWN_GRACE_SECONDS = 25.0
POLL_SECONDS = 0.5
DEMO_CLIENT_NAME = "local-demo"
ADMIN_USERNAME = "admin"
DEMO_SCOPES = ("jobs:read", "jobs:write", "schedules:read", "schedules:write")
# The queues the local worker consumes (the job types' and conveyor's own).
WORKER_QUEUES = ("default", "conveyor")
FINAL_STATES = frozenset({"succeeded", "failed", "cancelled"})

# What an interactive terminal needs to redraw the table in place.
CURSOR_UP = "\x1b[{n}F"
CLEAR_LINE = "\x1b[2K"
COLORS = {
    "succeeded": "32",
    "failed": "31",
    "cancelled": "35",
    "cancelling": "35",
    "running": "33",
    "retrying": "36",
    "queued": "2",
    "scheduled": "2",
}


class Stop(Exception):
    """Ctrl-C or SIGTERM arrived: stop the children and exit 0."""


class ChildDied(Exception):
    def __init__(self, child: Child) -> None:
        super().__init__(child.name)
        self.child = child


# ---- files kept in the data dir ------------------------------------------------------


@dataclass(frozen=True)
class DataDir:
    root: Path

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def secret_key(self) -> Path:
        return self.root / "secret_key"

    @property
    def api_key(self) -> Path:
        return self.root / "demo_api_key"

    @property
    def admin(self) -> Path:
        return self.root / "admin.json"

    def show(self, path: Path) -> str:
        """``path`` relative to the working directory when it is under it (shorter)."""
        with contextlib.suppress(ValueError):
            return str(path.relative_to(Path.cwd()))
        return str(path)


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (created 0600, replaced atomically)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.replace(tmp, path)


def read_private(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None


def secret_key(data: DataDir) -> str:
    """SECRET_KEY from the environment, else the one kept in the data dir (made once)."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    kept = read_private(data.secret_key)
    if kept is None:
        kept = secrets.token_urlsafe(50)
        write_private(data.secret_key, kept)
    return kept


# ---- the database: migrate, static files, demo key, admin user ------------------------


@dataclass(frozen=True)
class Credentials:
    api_key: str
    admin_username: str
    admin_password: str
    admin_created: bool


def redact(url: str) -> str:
    """A URL without its password, for printing."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def prepare(data: DataDir, out: TextIO) -> Credentials:
    """Migrate, collect static files, make sure the demo key and admin user exist."""
    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    database = settings.DATABASES["default"]
    if os.environ.get("DATABASE_URL"):
        say(out, f"database: {redact(os.environ['DATABASE_URL'])} (from DATABASE_URL)")
    else:
        say(out, f"database: SQLite, {data.show(Path(str(database['NAME'])))}")
    if os.environ.get("BROKER_URL"):
        say(out, f"broker:   {redact(os.environ['BROKER_URL'])} (from BROKER_URL)")
    else:
        say(out, f"broker:   SQLite, {data.show(data.root / 'broker.sqlite3')}")

    say(out, "migrating the database and collecting static files")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if not os.environ.get("BROKER_URL"):
        _declare_queues()
    api_key = _demo_api_key(data)
    username, password, created = _admin_user(data)
    connections.close_all()
    return Credentials(
        api_key=api_key, admin_username=username, admin_password=password, admin_created=created
    )


def _declare_queues() -> None:
    """Create the embedded broker's queues before the processes start. kombu's SQL
    transport creates a queue's row on first use with a check-then-insert guarded only
    within one process: the API, the worker and beat starting together could both insert
    it, and the loser died on the unique constraint (``kombu_queue.name``)."""
    from conveyor.config.celery import app

    with app.connection_for_write() as conn:
        for name in WORKER_QUEUES:
            app.amqp.queues[name](conn.default_channel).declare()


def _demo_api_key(data: DataDir) -> str:
    """The saved demo key if it still authenticates here, else a new client's key."""
    from conveyor.clients.keys import digest_matches, parse_prefix
    from conveyor.clients.models import ApiClient
    from conveyor.clients.services import api_client_create

    saved = read_private(data.api_key)
    if saved is not None:
        prefix = parse_prefix(saved)
        client = ApiClient.objects.filter(key_prefix=prefix, is_active=True).first()
        if (
            client is not None
            and digest_matches(saved, client.key_digest)
            and all(client.has_scope(s) for s in DEMO_SCOPES)
        ):
            return saved
    # A client name exists once; a database that has the name but not our key gets another.
    name = DEMO_CLIENT_NAME
    while ApiClient.objects.filter(name=name).exists():
        name = f"{DEMO_CLIENT_NAME}-{secrets.token_hex(3)}"
    _, key = api_client_create(name=name, scopes=DEMO_SCOPES)
    write_private(data.api_key, key)
    return key


def _admin_user(data: DataDir) -> tuple[str, str, bool]:
    """The saved superuser if its password still works here, else a new one."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    saved = read_private(data.admin)
    if saved is not None:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            kept = json.loads(saved)
            username, password = str(kept["username"]), str(kept["password"])
            user = user_model.objects.filter(username=username).first()
            if (
                user is not None
                and user.is_active
                and user.is_superuser
                and user.check_password(password)
            ):
                return username, password, False
    # Never take over an existing account: pick a free name.
    username = ADMIN_USERNAME
    while user_model.objects.filter(username=username).exists():
        username = f"{ADMIN_USERNAME}-{secrets.token_hex(3)}"
    password = secrets.token_urlsafe(12)
    user_model.objects.create_superuser(username=username, email="", password=password)
    write_private(data.admin, json.dumps({"username": username, "password": password}))
    return username, password, True


# ---- the child processes -------------------------------------------------------------


@dataclass
class Child:
    name: str
    argv: list[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str]) -> None:
        with self.log.open("ab") as log:
            log.write(f"---- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(self.argv)}\n".encode())
            log.flush()
            # Its own process group: Ctrl-C reaches only us, and we stop the children in
            # order; the group also lets us sweep up anything a child left behind.
            self.process = subprocess.Popen(
                self.argv,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                process_group=0,
            )

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)

    def kill_group(self) -> None:
        """SIGKILL whatever is left in the child's process group (it, its pool)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)

    def tail(self, lines: int = 15) -> list[str]:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return []
        return text.splitlines()[-lines:]


def children(data: DataDir, python: str) -> list[Child]:
    gunicorn = [python, "-m", "gunicorn", "-c", "python:conveyor.config.gunicorn"]
    if _gunicorn_has_control_socket():
        # Not the per-user default path, which two local runs (or a test) would share.
        gunicorn.append("--no-control-socket")
    # Celery sets the root logger to its own level (WARNING unless told), which would
    # hide the INFO lines of the runner and of handlers (ctx.log).
    level = os.environ.get("LOG_LEVEL", "INFO")
    celery = [python, "-m", "celery", "-A", "conveyor_worker.app"]
    worker = ["worker", "-Q", ",".join(WORKER_QUEUES), "-c", "2", "-n", f"local-{os.getpid()}@%h"]
    return [
        Child("api", gunicorn, data.logs / "api.log"),
        Child("worker", [*celery, *worker, "--loglevel", level], data.logs / "worker.log"),
        Child("beat", [*celery, "beat", "--loglevel", level], data.logs / "beat.log"),
    ]


def _gunicorn_has_control_socket() -> bool:
    try:
        major, minor = (int(p) for p in metadata.version("gunicorn").split(".")[:2])
    except (metadata.PackageNotFoundError, ValueError):
        return False
    return (major, minor) >= (25, 1)


@dataclass
class Supervisor:
    children: list[Child]
    stop: threading.Event = field(default_factory=threading.Event)

    def start(self, env: dict[str, str]) -> None:
        for child in self.children:
            child.start(env)

    def check(self) -> None:
        """Raise ``Stop`` on a signal, ``ChildDied`` if a child exited on its own."""
        if self.stop.is_set():
            raise Stop
        for child in self.children:
            if child.exit_code is not None:
                raise ChildDied(child)

    def wait(self, seconds: float) -> None:
        self.stop.wait(seconds)
        self.check()

    def shutdown(self, deadline_seconds: float) -> list[str]:
        """SIGTERM every child, wait for them up to the deadline, then SIGKILL the rest.

        The names of the children that had to be killed.
        """
        for child in reversed(self.children):
            child.terminate()
        deadline = time.monotonic() + deadline_seconds
        killed = []
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                killed.append(child.name)
        for child in self.children:
            child.kill_group()
        return killed


def stop_deadline() -> float:
    """How long the children get to stop: the worker's shutdown grace plus some slack."""
    try:
        grace = float(os.environ.get("CONVEYOR_SHUTDOWN_GRACE_SECONDS") or "")
    except ValueError:
        grace = DEFAULT_SHUTDOWN_GRACE_SECONDS
    return grace + STOP_SLACK_SECONDS


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


# ---- HTTP ----------------------------------------------------------------------------


class Api:
    def __init__(self, base: str, key: str) -> None:
        self.base = base
        self.key = key

    def call(
        self, method: str, path: str, body: Any = None, *, auth: bool = True, timeout: float = 10.0
    ) -> tuple[int, Any]:
        url = self.base + path
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"not an http URL: {url}")
        headers = {"Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.key}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - http(s) checked above
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                return exc.code, json.loads(payload or b"null")
            except ValueError:
                return exc.code, payload.decode(errors="replace")

    def ready(self) -> bool:
        try:
            status, _ = self.call("GET", "/readyz", auth=False, timeout=3)
        except (OSError, ValueError):
            return False
        return status == 200


def wait_ready(api: Api, supervisor: Supervisor, deadline_seconds: float) -> float:
    started = time.monotonic()
    while not api.ready():
        if time.monotonic() - started > deadline_seconds:
            raise TimeoutError(f"the API did not become ready within {deadline_seconds:.0f} s")
        supervisor.wait(POLL_SECONDS)
    return time.monotonic() - started


# ---- the demo ------------------------------------------------------------------------


def demo_jobs(base: str, run: str) -> list[dict[str, Any]]:
    labels = {"source": "make-run", "demo-run": run}
    return [
        {"type": "demo.sleep", "params": {"seconds": 3, "steps": 6}, "labels": labels},
        {"type": "demo.sleep", "params": {"seconds": 5, "steps": 10}, "labels": labels},
        {"type": "demo.sleep", "params": {"seconds": 7, "steps": 14}, "labels": labels},
        {"type": "demo.cpu", "params": {"iterations": 2_000_000}, "labels": labels},
        {"type": "demo.noop", "labels": labels},
        # conveyor's own address is loopback: refused, so the job fails with a clear error.
        {"type": "http.request", "params": {"url": f"{base}/healthz"}, "labels": labels},
    ]


class Table:
    """The demo jobs, redrawn in place on a terminal, or one line per change otherwise."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.live = out.isatty()
        self.color = self.live and not os.environ.get("NO_COLOR")
        self.drawn = 0
        self.seen: dict[str, str] = {}

    def show(self, jobs: Sequence[dict[str, Any]]) -> None:
        if self.live:
            self._redraw(jobs)
        else:
            self._changes(jobs)

    def _redraw(self, jobs: Sequence[dict[str, Any]]) -> None:
        width = shutil.get_terminal_size((100, 20)).columns - 1
        lines = [f"  {'JOB':<10}{'TYPE':<14}{'STATE':<12}{'TRY':<6}PROGRESS"]
        lines += [self._row(job) for job in jobs]
        text = "".join(f"{CLEAR_LINE}{self._paint(line, width)}\n" for line in lines)
        if self.drawn:
            self.out.write(CURSOR_UP.format(n=self.drawn))
        self.out.write(text)
        self.out.flush()
        self.drawn = len(lines)

    def _row(self, job: dict[str, Any]) -> str:
        state = job["state"]
        attempt = f"{job['attempts']}/{job['max_attempts']}"
        percent = (job.get("progress") or {}).get("percent")
        message = (job.get("progress") or {}).get("message") or ""
        if job.get("error"):
            detail = f"{job['error']['type']}: {job['error']['message']}"
        elif state in {"queued", "scheduled"}:
            detail = "waiting for a worker"
        elif percent is None:
            detail = "…" if state == "running" else ""
        else:
            filled = round(percent / 10)
            detail = f"{'█' * filled}{'░' * (10 - filled)} {percent:3.0f}%  {message}"
        return f"  {job['id'][:8]:<10}{job['type']:<14}\0{state:<12}\0{attempt:<6}{detail}"

    def _paint(self, line: str, width: int) -> str:
        """Cut to the terminal's width (a wrapped line breaks the redraw), color the state."""
        plain = line.replace("\0", "")
        if len(plain) > width:
            plain = plain[: width - 1] + "…"
        if not self.color or "\0" not in line:
            return plain
        before, state, _ = line.split("\0", 2)
        code = COLORS.get(state.strip(), "0")
        start = len(before)
        return (
            plain[:start]
            + f"\x1b[{code}m"
            + plain[start : start + len(state)]
            + "\x1b[0m"
            + plain[start + len(state) :]
        )

    def _changes(self, jobs: Sequence[dict[str, Any]]) -> None:
        for job in jobs:
            state = job["state"]
            before = self.seen.get(job["id"])
            if before == state:
                continue
            self.seen[job["id"]] = state
            move = f"{before} -> {state}" if before else state
            extra = ""
            if job.get("error") and state in FINAL_STATES:
                extra = f"  ({job['error']['type']}: {job['error']['message']})"
            self.out.write(f"  {job['id'][:8]}  {job['type']:<13} {move}{extra}\n")
        self.out.flush()


def run_demo(api: Api, supervisor: Supervisor, out: TextIO) -> list[dict[str, Any]]:
    """Submit the demo jobs and show them until all are final (or the deadline passes)."""
    run = secrets.token_hex(4)
    ids: list[str] = []
    for spec in demo_jobs(api.base, run):
        status, body = api.call("POST", "/v1/jobs", spec)
        if status != 201:
            raise RuntimeError(f"submitting a {spec['type']} job answered {status}: {body}")
        ids.append(body["id"])
    say(out, f"submitted {len(ids)} demo jobs (label demo-run={run}); following them:")
    table = Table(out)
    started = time.monotonic()
    latest: dict[str, dict[str, Any]] = {}
    while True:
        for job_id in ids:
            if job_id in latest and latest[job_id]["state"] in FINAL_STATES:
                continue
            status, body = api.call("GET", f"/v1/jobs/{job_id}")
            if status != 200:
                raise RuntimeError(f"reading demo job {job_id} answered {status}: {body}")
            latest[job_id] = body
        jobs = [latest[job_id] for job_id in ids]
        table.show(jobs)
        if jobs and all(j["state"] in FINAL_STATES for j in jobs):
            return jobs
        if time.monotonic() - started > DEMO_DEADLINE_SECONDS:
            say(
                out,
                f"some demo jobs are not final after {DEMO_DEADLINE_SECONDS:.0f} s; "
                "see the worker's log",
            )
            return jobs
        supervisor.wait(POLL_SECONDS)


def demo_outcome(jobs: Sequence[dict[str, Any]], out: TextIO) -> None:
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job["state"]] = counts.get(job["state"], 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    if all(j["state"] in FINAL_STATES for j in jobs):
        say(out, f"all {len(jobs)} demo jobs are final: {summary}")
    for job in jobs:
        if job["state"] == "failed" and job["type"] == "http.request":
            say(
                out,
                f"the http.request job failed on purpose (its URL is loopback): "
                f"{job['error']['type']}: {job['error']['message']}",
            )


# ---- the summary ---------------------------------------------------------------------


def summary(base: str, creds: Credentials, data: DataDir) -> str:
    key_file = data.show(data.api_key)
    admin_file = data.show(data.admin)
    logs = data.show(data.logs)
    return f"""
conveyor is running.

  API        {base}/v1/
  API docs   {base}/v1/docs
  admin      {base}/admin/   user {creds.admin_username}   password {creds.admin_password}
             (kept in {admin_file})
  API key    {creds.api_key}
             (scopes {", ".join(DEMO_SCOPES)}; kept in {key_file})
  logs       {logs}/api.log, worker.log, beat.log

Submit a job and read it:

  export CONVEYOR_KEY=$(cat {key_file})
  JOB=$(curl -s -X POST {base}/v1/jobs -H "Authorization: Bearer $CONVEYOR_KEY" \\
    -H 'Content-Type: application/json' \\
    -d '{{"type": "demo.sleep", "params": {{"seconds": 5, "steps": 5}}}}' \\
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  curl -s "{base}/v1/jobs/$JOB" -H "Authorization: Bearer $CONVEYOR_KEY"

Press Ctrl-C to stop.
"""


# ---- main ----------------------------------------------------------------------------


def say(out: TextIO, message: str) -> None:
    out.write(f"conveyor: {message}\n")
    out.flush()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m conveyor.local",
        description="Run the API, a worker and beat on this machine and show demo jobs.",
    )
    parser.add_argument(
        "--host",
        default=os.environ.get("CONVEYOR_LOCAL_HOST", "127.0.0.1"),
        help="address the API listens on (CONVEYOR_LOCAL_HOST, 127.0.0.1)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CONVEYOR_LOCAL_PORT", "8000")),
        help="port the API listens on (CONVEYOR_LOCAL_PORT, 8000)",
    )
    parser.add_argument(
        "--no-demo", action="store_true", help="start the platform without submitting demo jobs"
    )
    return parser.parse_args(argv)


@contextlib.contextmanager
def signals(stop: threading.Event) -> Iterator[None]:
    """The first SIGINT/SIGTERM/SIGHUP asks for a clean stop; a second one is immediate."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = {
        s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = parse_args(argv)
    data = DataDir(configured_data_dir())
    data.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    data.logs.mkdir(exist_ok=True)

    # Before Django reads its settings: they require SECRET_KEY and read the data dir.
    child_env = dict(os.environ)
    child_env.update(
        {
            "SECRET_KEY": secret_key(data),
            "CONVEYOR_DATA_DIR": str(data.root),
            "DJANGO_SETTINGS_MODULE": "conveyor.config.settings.base",
            "GUNICORN_BIND": f"[{args.host}]:{args.port}"
            if ":" in args.host
            else f"{args.host}:{args.port}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    # The worker's liveness file: ours, not the host-wide default another worker may share.
    child_env.setdefault("CONVEYOR_HEARTBEAT_FILE", str(data.root / "worker.heartbeat"))
    os.environ.update(child_env)

    shown_host = "127.0.0.1" if args.host in {"0.0.0.0", "::"} else args.host  # noqa: S104
    base = (
        f"http://[{shown_host}]:{args.port}"
        if ":" in shown_host
        else f"http://{shown_host}:{args.port}"
    )

    supervisor = Supervisor(children(data, sys.executable))
    with signals(supervisor.stop):
        try:
            return _run(args, data, base, child_env, supervisor, out)
        except KeyboardInterrupt:
            say(out, "stopping at once")
            for child in supervisor.children:
                child.kill_group()
            return 1


def _run(
    args: argparse.Namespace,
    data: DataDir,
    base: str,
    env: dict[str, str],
    supervisor: Supervisor,
    out: TextIO,
) -> int:
    if not port_free(args.host, args.port):
        say(
            out,
            f"port {args.port} on {args.host} is in use; choose another with --port N "
            "(or CONVEYOR_LOCAL_PORT=N make run)",
        )
        return 2
    say(out, f"data dir: {data.root}")
    creds = prepare(data, out)
    if supervisor.stop.is_set():
        return 0
    if creds.admin_created:
        say(out, f"created the admin user {creds.admin_username!r}; its password is below")
    say(out, f"starting api ({base}), worker and beat; logs in {data.show(data.logs)}/")
    supervisor.start(env)
    api = Api(base, creds.api_key)
    try:
        took = wait_ready(api, supervisor, READY_DEADLINE_SECONDS)
        say(out, f"the API is ready ({took:.1f} s)")
        if not args.no_demo:
            jobs = run_demo(api, supervisor, out)
            demo_outcome(jobs, out)
        out.write(summary(base, creds, data))
        out.flush()
        while True:
            supervisor.wait(POLL_SECONDS)
    except Stop:
        say(
            out,
            "stopping api, worker and beat (the worker lets running jobs finish; "
            "Ctrl-C again to kill them now)",
        )
        killed = supervisor.shutdown(stop_deadline())
        if killed:
            say(out, f"killed {', '.join(killed)} after {stop_deadline():.0f} s")
        say(out, "stopped")
        return 0
    except ChildDied as died:
        child = died.child
        say(
            out,
            f"{child.name} exited unexpectedly (exit code {child.exit_code}); "
            f"its log is {data.show(child.log)}. Its last lines:",
        )
        for line in child.tail():
            out.write(f"  {child.name} | {line}\n")
        say(out, "stopping the others")
        supervisor.shutdown(stop_deadline())
        return 1
    except (TimeoutError, RuntimeError, OSError) as exc:
        say(out, f"{exc}; stopping (the logs are in {data.show(data.logs)}/)")
        supervisor.shutdown(stop_deadline())
        return 1


if __name__ == "__main__":
    sys.exit(main())
