"""Real processes for end-to-end tests: start, wait until ready, stop by PID."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    predicate: Callable[[], object],
    *,
    timeout: float,
    interval: float = 0.1,
    message: str = "condition",
) -> object:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception as exc:  # the thing polled may not be up yet
            last_error = exc
        else:
            if value:
                return value
        time.sleep(interval)
    raise TimeoutError(
        f"timed out after {timeout}s waiting for {message}"
        + (f" (last error: {last_error!r})" if last_error else "")
    )


@dataclass
class Proc:
    name: str
    args: Sequence[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    restarts: int = 0
    probe_restarts: int = 0
    #: Set while a test holds the liveness probe (``Platform.probes_held``).
    probe_held: bool = field(default=False, repr=False)
    stopping: bool = field(default=False, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def supervise(self) -> Proc:
        """Start the process again whenever it exits on its own, as the kubelet does with
        ``restartPolicy: Always`` (a crashed beat, say), until ``stop()``."""

        def watch() -> None:
            while not self.stopping:
                if self.popen is not None and self.popen.poll() is not None and not self.stopping:
                    self.restarts += 1
                    with self.log_path.open("a") as log:
                        log.write(f"--- exited {self.popen.returncode}; restarted by the test\n")
                    self.start()
                time.sleep(0.5)

        threading.Thread(target=watch, name=f"supervise-{self.name}", daemon=True).start()
        return self

    def probe_liveness(self, healthy: Callable[[], bool], *, period: float, failures: int) -> Proc:
        """Restart the process once ``healthy`` fails ``failures`` checks in a row, made
        ``period`` seconds apart, as the kubelet does on a failing liveness probe (SIGTERM,
        then SIGKILL). Checks count only once ``healthy`` has passed since the last start
        (the startup probe's part); a process that exits on its own is left alone. While
        ``probe_held`` is set no check counts, and once it is cleared the probe starts over
        as after a start."""

        def watch() -> None:
            started, failed = False, 0
            while not self.stopping:
                time.sleep(period)
                if self.probe_held:
                    started, failed = False, 0
                    continue
                if not self.alive():
                    continue
                ok = healthy()
                started = started or ok
                failed = 0 if ok or not started else failed + 1
                if failed < failures:
                    continue
                with self.lock:
                    if self.stopping:
                        return
                    self.probe_restarts += 1
                    with self.log_path.open("a") as log:
                        log.write(f"--- liveness probe failed {failed} times; restarted\n")
                    self._terminate(timeout=10)
                    self.start()
                started, failed = False, 0

        threading.Thread(target=watch, name=f"liveness-{self.name}", daemon=True).start()
        return self

    def start(self) -> Proc:
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            list(self.args),
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            os.kill(self.pid, sig)

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM, wait up to ``timeout``, then SIGKILL the whole process group."""
        self.stopping = True
        with self.lock:
            return self._terminate(timeout)

    def _terminate(self, timeout: float) -> int | None:
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait(10)
        with contextlib.suppress(ProcessLookupError):  # children left behind go too
            os.killpg(self.pid, signal.SIGKILL)
        return self.popen.returncode

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def run(args: Sequence[str], env: dict[str, str], timeout: float = 120) -> str:
    done = subprocess.run(
        list(args), env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def embedded_default_env(data_dir: Path, secret_key: str) -> dict[str, str]:
    """The suite's environment without its database and broker: the embedded default
    (SQLite in ``data_dir``), as ``make run`` starts it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "BROKER_URL", "CONVEYOR_BROKER_KEY_PREFIX")
    }
    env.update(
        CONVEYOR_DATA_DIR=str(data_dir),
        SECRET_KEY=secret_key,
        DJANGO_SETTINGS_MODULE="conveyor.config.settings.base",
    )
    return env


def fresh_python_report(script: str, env: dict[str, str] | None = None) -> Any:
    """Run ``script`` in a fresh interpreter with the suite's environment (or ``env``); the
    JSON it prints last. (What a process imports can only be seen in one that starts clean.)"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=dict(os.environ) if env is None else env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
