"""The API's listening socket and the child processes: gunicorn, a Celery worker, beat.

The launcher binds the API's port itself, before anything else, and hands the socket to
gunicorn: a port another server holds is reported at once, and nothing else can take it
while the platform starts, so the API that answers ``/readyz`` is ours.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import FrameType

from conveyor.devserver.datadir import DataDir
from conveyor.devserver.prepare import WORKER_QUEUES

# On SIGTERM the worker lets running jobs finish for its shutdown grace; allow that and a bit.
STOP_SLACK_SECONDS = 10.0
# How often the launcher looks at its children (and the API, the demo jobs).
POLL_SECONDS = 0.5


class Stop(Exception):
    """Ctrl-C or SIGTERM arrived: stop the children and exit 0."""


class ChildDied(Exception):
    def __init__(self, child: Child) -> None:
        super().__init__(child.name)
        self.child = child


class PortUnavailable(Exception):
    """The API's address cannot be listened on; the message says what to do."""


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on the API's address, for gunicorn to inherit."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # Only lets a new run reuse the port while the last one's connections linger
        # (TIME_WAIT); a socket that listens on it still refuses the bind.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        # At once: until something listens, another server could still bind the port.
        sock.listen(socket.SOMAXCONN)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortUnavailable(
                f"port {port} is in use; use --port N (with make run: CONVEYOR_LOCAL_PORT=N)"
            ) from None
        raise PortUnavailable(
            f"cannot listen on {host}:{port} ({exc.strerror}); use --host and --port"
        ) from None
    sock.set_inheritable(True)
    return sock


@dataclass
class Child:
    name: str
    argv: list[str]
    log: Path
    # Descriptors the child inherits (the API's listening socket).
    pass_fds: tuple[int, ...] = ()
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
                pass_fds=self.pass_fds,
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


def children(data: DataDir, python: str, listener: socket.socket) -> list[Child]:
    """The api (gunicorn on ``listener``), the worker and beat. The api's environment
    must name the socket: ``GUNICORN_BIND=fd://<listener.fileno()>``."""
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
        Child("api", gunicorn, data.logs / "api.log", pass_fds=(listener.fileno(),)),
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
    from django.conf import settings

    return settings.CONVEYOR_SHUTDOWN_GRACE.total_seconds() + STOP_SLACK_SECONDS


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
