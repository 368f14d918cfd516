"""The processes a run starts: start, wait until ready, and always stop, by process group."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# The repository root: every process runs from here, so ``bench.*`` imports resolve.
REPO_ROOT = Path(__file__).resolve().parent.parent
# gunicorn, celery and conveyor sit next to the interpreter running the benchmark.
BIN = Path(sys.executable).parent


def executable(name: str) -> str:
    return str(BIN / name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    interval: float = 0.05,
    what: str = "a condition",
    alive: Callable[[], bool] | None = None,
) -> T:
    """Poll ``probe`` until it returns something other than None or False.

    Fails after ``timeout`` seconds, or as soon as ``alive`` says the process we wait on
    has died (so a crash is reported at once, not as a timeout).
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise RuntimeError(f"the process died while waiting for {what}")
        try:
            value = probe()
        except Exception as exc:  # what we poll may not be up yet
            last_error = exc
        else:
            if value is not None and value is not False:
                return value
        time.sleep(interval)
    detail = f" (last error: {last_error!r})" if last_error else ""
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")


class Process:
    """One command in its own session (so its children can be signalled with it)."""

    def __init__(
        self, name: str, argv: Sequence[str], env: Mapping[str, str], log_dir: Path
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.log_path = log_dir / f"{name}.log"
        self._popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self._popen = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen is not None else None

    def alive(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the process, wait up to ``timeout``, then SIGKILL its whole group."""
        popen = self._popen
        if popen is None:
            return
        if popen.poll() is None:
            popen.send_signal(signal.SIGTERM)
            try:
                popen.wait(timeout)
            except subprocess.TimeoutExpired:
                _kill_group(popen.pid)
                popen.wait(10)
        # Children left behind (a prefork pool, gunicorn workers) share the group id.
        _kill_group(popen.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _kill_group(pgid: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


@contextmanager
def running(process: Process) -> Iterator[Process]:
    """Start the process; stop it on the way out, whatever happened inside."""
    process.start()
    try:
        yield process
    except BaseException:
        tail = process.log_tail()
        if tail:
            print(
                f"--- last lines of {process.name} ({process.log_path}):\n{tail}", file=sys.stderr
            )
        raise
    finally:
        process.stop()


def run_to_end(
    name: str, argv: Sequence[str], env: Mapping[str, str], *, timeout: float = 120.0
) -> str:
    """Run a short command to completion; its stdout, or an error with its stderr."""
    done = subprocess.run(
        list(argv),
        env=dict(env),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{name} failed with exit code {done.returncode}:\n{done.stderr[-3000:]}"
        )
    return done.stdout


def tree_pids(root: int) -> list[int]:
    """``root`` and every live descendant (gunicorn's workers, a prefork pool)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat.rsplit(")", 1)[1].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _kib(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass  # the process ended: it holds no memory
    return 0


@dataclass(frozen=True)
class Memory:
    """A process tree's memory: RSS summed (as ``ps`` shows it, shared pages counted in
    every process) and PSS summed (shared pages split between their users: close to what
    a pod's cgroup is charged)."""

    processes: int
    rss_mib: float
    pss_mib: float


def memory_of(process: Process) -> Memory:
    if process.pid is None:
        return Memory(0, 0.0, 0.0)
    pids = tree_pids(process.pid)
    proc = Path("/proc")
    rss = sum(_kib(proc / str(pid) / "status", "VmRSS") for pid in pids)
    pss = sum(_kib(proc / str(pid) / "smaps_rollup", "Pss") for pid in pids)
    return Memory(len(pids), rss / 1024, pss / 1024)
