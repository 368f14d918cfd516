"""``make run``: the whole platform on this machine, and a few demo jobs flowing through it.

    python -m conveyor.devserver [--host 127.0.0.1] [--port 8000] [--no-demo]

This is a module, not a management command, because it must set the environment before
Django reads its settings: SECRET_KEY has no default, so the secret key is generated once
and kept in ``<data dir>/secret_key`` unless the environment sets one.

Then, in order: listen on the API's port (a port in use stops it here), migrate, collect
the static files, make sure a demo API key and an admin user exist (both kept in the data
dir and reused), start gunicorn (on that socket), a Celery worker and beat as child
processes (their output goes to ``<data dir>/logs/``), wait for ``/readyz``, submit demo
jobs over HTTP, show them move until they are final, and print how to use what runs.
Ctrl-C (or SIGTERM) stops every child and exits 0; a child that dies on its own stops the
rest and exits 1, showing the last lines of its log.

The embedded default needs no server: SQLite for the database and for the broker
(kombu's SQLAlchemy transport). DATABASE_URL and BROKER_URL select real ones.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
from collections.abc import Sequence
from typing import TextIO

from conveyor.config.env import data_dir as configured_data_dir
from conveyor.devserver.client import Api
from conveyor.devserver.datadir import DataDir, launch_environment
from conveyor.devserver.demo import demo_outcome, run_demo
from conveyor.devserver.prepare import prepare
from conveyor.devserver.summary import say, summary
from conveyor.devserver.supervise import (
    POLL_SECONDS,
    Child,
    ChildDied,
    PortUnavailable,
    Stop,
    Supervisor,
    children,
    listen,
    signals,
    stop_deadline,
)

READY_DEADLINE_SECONDS = 90.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m conveyor.devserver",
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


def base_url(host: str, port: int) -> str:
    """Where the API answers, as printed: a wildcard address is reached on loopback."""
    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = parse_args(argv)
    try:
        listener = listen(args.host, args.port)
    except PortUnavailable as exc:
        say(out, str(exc))
        return 2
    with listener:
        data = DataDir(configured_data_dir())
        data.create()
        # Before Django reads its settings: they require SECRET_KEY and read the data dir.
        child_env = dict(os.environ)
        child_env.update(launch_environment(data))
        child_env.update(
            {
                "DJANGO_SETTINGS_MODULE": "conveyor.config.settings.base",
                "GUNICORN_BIND": f"fd://{listener.fileno()}",
                "PYTHONUNBUFFERED": "1",
            }
        )
        # The worker's liveness file: ours, not the host-wide default another worker may share.
        child_env.setdefault("CONVEYOR_HEARTBEAT_FILE", str(data.heartbeat))
        os.environ.update(child_env)

        supervisor = Supervisor(children(data, sys.executable, listener))
        with signals(supervisor.stop):
            try:
                return _run(args, data, listener, child_env, supervisor, out)
            except KeyboardInterrupt:
                say(out, "stopping at once")
                for child in supervisor.children:
                    child.kill_group()
                return 1


def wait_ready(api: Api, supervisor: Supervisor, deadline_seconds: float) -> float:
    """Seconds until the API answers ``/readyz``; the api child must still be running
    then (``ChildDied`` otherwise), so the answer is its own."""
    started = time.monotonic()
    while not api.ready():
        if time.monotonic() - started > deadline_seconds:
            raise TimeoutError(f"the API did not become ready within {deadline_seconds:.0f} s")
        supervisor.wait(POLL_SECONDS)
    supervisor.check()
    return time.monotonic() - started


def show_tail(child: Child, data: DataDir, out: TextIO) -> None:
    say(out, f"the last lines of {data.show(child.log)}:")
    for line in child.tail():
        out.write(f"  {child.name} | {line}\n")
    out.flush()


def _run(
    args: argparse.Namespace,
    data: DataDir,
    listener: socket.socket,
    env: dict[str, str],
    supervisor: Supervisor,
    out: TextIO,
) -> int:
    base = base_url(args.host, args.port)
    say(out, f"data dir: {data.root}")
    creds = prepare(data, out)
    if supervisor.stop.is_set():
        return 0
    if creds.admin_created:
        say(out, f"created the admin user {creds.admin_username!r}; its password is below")
    say(out, f"starting api ({base}), worker and beat; logs in {data.show(data.logs)}/")
    supervisor.start(env)
    # gunicorn has the socket now; ours would only keep the port after gunicorn exits.
    listener.close()
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
            f"its log is {data.show(child.log)}",
        )
        show_tail(child, data, out)
        say(out, "stopping the others")
        supervisor.shutdown(stop_deadline())
        return 1
    except TimeoutError as exc:
        say(out, f"{exc}; stopping")
        show_tail(supervisor.children[0], data, out)
        supervisor.shutdown(stop_deadline())
        return 1
    except (RuntimeError, OSError) as exc:
        say(out, f"{exc}; stopping (the logs are in {data.show(data.logs)}/)")
        supervisor.shutdown(stop_deadline())
        return 1


if __name__ == "__main__":
    sys.exit(main())
