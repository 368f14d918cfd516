"""Instructions per request, counted by valgrind's callgrind: the cost scenario.

A rate measured on a shared 2-core VM moves with whatever else runs on it; the number
of instructions a server executes for the same requests does not (callgrind counts
them, it does not time them). The API runs under ``valgrind --tool=callgrind`` with
counting off; after a warm-up, counting is turned on in every process of the server
(``callgrind_control``), the requests are sent, counting is turned off and the counts
are dumped and summed. The server runs one gunicorn worker, and only that worker is
counted: under valgrind everything runs tens of times slower, so what an idle process
does every second (gunicorn's master, a second worker's poll loop) would be counted
tens of times over per request; the worker's own loop is counted, as it would be.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from bench.processes import Process

#: Requests sent before counting starts (code paths warm, caches filled).
WARMUP_REQUESTS = 50


def available() -> bool:
    return shutil.which("valgrind") is not None and shutil.which("callgrind_control") is not None


def wrapper(out_dir: Path, name: str) -> list[str]:
    """The command a server runs under: callgrind, counting off until told, each process
    (gunicorn's workers too) writing its own file under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob(f"{name}.*"):
        old.unlink()
    return [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--trace-children=yes",
        f"--callgrind-out-file={out_dir / name}.%p",
    ]


def _workers(process: Process) -> list[int]:
    """The server's workers: the children of the process started (gunicorn's master)."""
    pid = process.pid
    if pid is None:
        raise RuntimeError(f"{process.name} is not running")
    children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    if not children:
        raise RuntimeError(f"{process.name} has no worker process")
    return children


def _control(pids: list[int], *args: str) -> None:
    for pid in pids:
        subprocess.run(
            ["callgrind_control", *args, str(pid)], check=True, capture_output=True, timeout=120
        )


def counting_on(process: Process) -> list[int]:
    pids = _workers(process)
    _control(pids, "--instr=on")
    return pids


def counted(pids: list[int], out_dir: Path, name: str) -> int:
    """Turn counting off, dump, and sum the instructions every process executed."""
    _control(pids, "--instr=off")
    _control(pids, "--dump")
    total = 0
    for path in (p for pid in pids for p in out_dir.glob(f"{name}.{pid}*")):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("totals:"):
                total += int(line.split()[1])
    return total
