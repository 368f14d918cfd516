"""Private instances of PostgreSQL, Redis and RabbitMQ that a test may stop, kill and restart.

Tests never stop the machine's shared services (``tests/shared_services.py``); they start
their own on free ports and stop them by PID.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import amqp
import psycopg
import redis

from tests.procs import free_port, wait_until


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise FileNotFoundError(f"PostgreSQL's {name} is not installed")
    return found[-1]


def _as_postgres(args: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@dataclass
class OwnPostgres:
    """A cluster of its own. With a ``password``, its ``superuser`` gets it at initdb and TCP
    connections need it (scram-sha-256, as the official image sets up); local socket
    connections are trusted either way."""

    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="conveyor-pg-")))
    superuser: str = "postgres"
    password: str | None = None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgres://{self.superuser}@127.0.0.1:{self.port}/{name}"

    def connect_tcp(self, password: str) -> None:
        """A TCP connection as the superuser with ``password``: raises if refused."""
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.superuser,
            password=password,
            dbname="postgres",
            connect_timeout=5,
        ) as conn:
            conn.execute("SELECT 1")

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data_dir), *args]),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def init(self) -> OwnPostgres:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        auth = ["--auth=trust"]
        if self.password is not None:
            password_file = self.root / "initdb-password"
            password_file.write_text(self.password)
            if os.geteuid() == 0:
                shutil.chown(password_file, "postgres", "postgres")
            auth = [
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={password_file}",
            ]
        subprocess.run(
            _as_postgres(
                [
                    _pg_bin("initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    self.superuser,
                    *auth,
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        return self.start()

    def start(self) -> OwnPostgres:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=200"
        )
        self._ctl("-o", options, "-l", str(self.root / "log"), "-w", "start")
        wait_until(self.answers, timeout=30, message="the private PostgreSQL to accept queries")
        return self

    def answers(self) -> bool:
        """A query over the local socket (trusted whatever the TCP authentication) answers."""
        try:
            with psycopg.connect(
                host=str(self.root),
                port=self.port,
                user=self.superuser,
                dbname="postgres",
                connect_timeout=1,
            ) as conn:
                conn.execute("SELECT 1")
        except psycopg.OperationalError:
            return False
        return True

    def stop(self) -> None:
        """An immediate stop: what a crash or failover looks like to clients."""
        self._ctl("-m", "immediate", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class OwnRedis:
    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="conveyor-redis-")))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> OwnRedis:
        """A Redis that keeps nothing on disk: a restart loses every message."""
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
            ],
            stdout=(self.root / "log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_until(self.answers, timeout=20, message="the private Redis to answer")
        return self

    def answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def destroy(self) -> None:
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)


# Debian's scripts themselves: the /usr/sbin wrappers switch to the rabbitmq user (whose
# HOME holds the machine node's Erlang cookie), and rabbitmq-server's wrapper detaches
# its output to /var/log. Called directly, they run as the caller with the HOME given.
RABBITMQ_BIN = Path(os.environ.get("CONVEYOR_TEST_RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))


@dataclass
class OwnRabbitMQ:
    """A RabbitMQ node of its own: its node name, ports, Erlang port mapper, cookie and data
    dir, listening on loopback only, no plugins. The platform uses its default vhost ``/``
    (the node is the test's alone), which a node started on an empty data dir re-creates
    with the ``guest`` user, as a freshly scheduled broker pod would."""

    port: int = field(default_factory=free_port)
    dist_port: int = field(default_factory=free_port)
    epmd_port: int = field(default_factory=free_port)
    name: str = field(default_factory=lambda: f"conveyor-test-{uuid.uuid4().hex[:8]}")
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="conveyor-rabbitmq-")))
    process: subprocess.Popen[bytes] | None = None
    epmd: subprocess.Popen[bytes] | None = None

    @property
    def node(self) -> str:
        return f"{self.name}@localhost"

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    @property
    def data_dir(self) -> Path:
        return self.root / "mnesia"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            # the node and rabbitmqctl read the same cookie: $HOME/.erlang.cookie
            "HOME": str(self.root),
            # an empty file instead of the machine's /etc/rabbitmq/rabbitmq-env.conf
            "RABBITMQ_CONF_ENV_FILE": str(self.root / "rabbitmq-env.conf"),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.data_dir),
            "RABBITMQ_LOG_BASE": str(self.root / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "ERL_EPMD_PORT": str(self.epmd_port),
        }

    def init(self) -> OwnRabbitMQ:
        (self.root / "rabbitmq-env.conf").write_text("")
        (self.root / "enabled_plugins").write_text("[].\n")
        (self.root / "rabbitmq.conf").write_text(
            f"listeners.tcp.1 = 127.0.0.1:{self.port}\nloopback_users.guest = true\n"
        )
        cookie = self.root / ".erlang.cookie"
        cookie.write_text(uuid.uuid4().hex)
        cookie.chmod(0o400)
        # Its own port mapper, in the foreground: a node finding none starts a daemon that
        # would outlive the test.
        self.epmd = subprocess.Popen(
            ["epmd", "-port", str(self.epmd_port), "-address", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self.start()

    def start(self) -> OwnRabbitMQ:
        """The node in the foreground, in a process group of its own (the script, the
        Erlang VM and its helpers), once it accepts AMQP connections."""
        self.process = subprocess.Popen(
            [str(RABBITMQ_BIN / "rabbitmq-server")],
            env=self._env(),
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            stdout=(self.root / "out.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def up() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the private RabbitMQ exited: {self.log_tail()}")
            return self.answers()

        wait_until(up, timeout=120, interval=0.5, message="the private RabbitMQ to accept AMQP")
        return self

    def answers(self) -> bool:
        """An AMQP handshake as guest on the default vhost succeeds."""
        connection = amqp.Connection(
            f"127.0.0.1:{self.port}", userid="guest", password="guest", connect_timeout=2
        )
        try:
            connection.connect()
        except (OSError, amqp.exceptions.AMQPError):
            return False
        connection.collect()
        return True

    def ctl(self, *args: str) -> str:
        done = subprocess.run(
            [str(RABBITMQ_BIN / "rabbitmqctl"), "-q", "-n", self.node, *args],
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout

    def kill(self) -> None:
        """SIGKILL to the node's process group: a crash, as a node lost with its host."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def wipe(self) -> None:
        """Remove the data dir (the node must be down): queues, messages, vhosts, users."""
        assert self.process is None or self.process.poll() is not None
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def stop(self) -> None:
        """``rabbitmqctl stop``, then SIGKILL to whatever of its process group is left."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(subprocess.SubprocessError):
                self.ctl("stop")
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(30)
        self.kill()

    def log_tail(self, lines: int = 30) -> str:
        text = "\n".join(
            path.read_text(errors="replace") for path in sorted(self.root.glob("**/*.log"))
        )
        return "\n".join(text.splitlines()[-lines:])

    def destroy(self) -> None:
        self.stop()
        if self.epmd is not None and self.epmd.poll() is None:
            self.epmd.kill()
            self.epmd.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)
