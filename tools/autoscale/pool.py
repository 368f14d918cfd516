"""Real ``celery worker`` processes standing in for a worker Deployment's pods.

It behaves like a ReplicaSet with the kubelet: ``scale(n)`` starts processes or sends
SIGTERM to the ones a ReplicaSet would delete first (not ready, then the lowest
pod-deletion-cost, then the newest), and a process still running at the end of the
termination grace period gets SIGKILL. Terminating processes no longer count as replicas.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Replica:
    name: str
    popen: subprocess.Popen[bytes]
    heartbeat: Path
    log_path: Path
    started_at: float
    terminating_since: float | None = None
    killed: bool = False

    def alive(self) -> bool:
        return self.popen.poll() is None

    def ready(self) -> bool:
        """Its consumer has started (the liveness heartbeat file exists)."""
        return self.alive() and self.heartbeat.exists()


@dataclass
class PoolEvent:
    at: float
    replica: str
    what: str  # started, ready, terminating, exited, killed


@dataclass
class WorkerPool:
    """``command(name)`` is the argv of one worker; ``deletion_cost()`` maps replica names
    to their pod-deletion-cost (what each worker would annotate its pod with)."""

    name: str
    command: Callable[[str], Sequence[str]]
    env: Mapping[str, str]
    log_dir: Path
    termination_grace_seconds: float = 30.0
    deletion_cost: Callable[[], Mapping[str, int]] | None = None
    clock: Callable[[], float] = time.monotonic
    replicas: list[Replica] = field(default_factory=list)
    gone: list[Replica] = field(default_factory=list)
    events: list[PoolEvent] = field(default_factory=list)
    _serial: int = 0
    _ready_seen: set[str] = field(default_factory=set)

    # ---- what the HPA and KEDA read -------------------------------------------------

    def running(self) -> list[Replica]:
        """status.replicas: started, not terminating."""
        return [r for r in self.replicas if r.terminating_since is None and r.alive()]

    def ready_count(self) -> int:
        return sum(1 for r in self.running() if r.ready())

    def terminating(self) -> list[Replica]:
        return [r for r in self.replicas if r.terminating_since is not None]

    # ---- the ReplicaSet and the kubelet ---------------------------------------------

    def scale(self, replicas: int) -> None:
        self.reap()
        current = self.running()
        if replicas > len(current):
            for _ in range(replicas - len(current)):
                self._start()
        elif replicas < len(current):
            for replica in self._victims(current, len(current) - replicas):
                self._terminate(replica)

    def reap(self) -> None:
        now = self.clock()
        for replica in list(self.replicas):
            if replica.name not in self._ready_seen and replica.ready():
                self._ready_seen.add(replica.name)
                self.events.append(PoolEvent(now, replica.name, "ready"))
            if not replica.alive():
                self.replicas.remove(replica)
                self.gone.append(replica)
                self.events.append(
                    PoolEvent(now, replica.name, f"exited {replica.popen.returncode}")
                )
            elif (
                replica.terminating_since is not None
                and not replica.killed
                and now > replica.terminating_since + self.termination_grace_seconds
            ):
                self._killpg(replica, signal.SIGKILL)
                replica.killed = True
                self.events.append(PoolEvent(now, replica.name, "killed at the grace deadline"))

    def stop(self, timeout: float = 60) -> None:
        """Terminate every replica and wait for them (the test's cleanup)."""
        for replica in self.running():
            self._terminate(replica)
        deadline = self.clock() + timeout
        while self.replicas and self.clock() < deadline:
            self.reap()
            time.sleep(0.1)
        for replica in self.replicas + self.gone:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(replica.popen.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                replica.popen.wait(10)
        self.reap()

    def _start(self) -> None:
        self._serial += 1
        name = f"{self.name}-{self._serial}"
        heartbeat = self.log_dir / f"{name}.heartbeat"
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("ab") as log:
            popen = subprocess.Popen(
                list(self.command(name)),
                env={**self.env, "CONVEYOR_HEARTBEAT_FILE": str(heartbeat)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        now = self.clock()
        self.replicas.append(Replica(name, popen, heartbeat, log_path, now))
        self.events.append(PoolEvent(now, name, "started"))

    def _victims(self, candidates: list[Replica], count: int) -> list[Replica]:
        """ReplicaSet's order: not ready first, then lower deletion cost, then newer."""
        costs = dict(self.deletion_cost()) if self.deletion_cost else {}
        ranked = sorted(
            candidates,
            key=lambda r: (r.ready(), costs.get(r.name, 0), -r.started_at),
        )
        return ranked[:count]

    def _terminate(self, replica: Replica) -> None:
        replica.terminating_since = self.clock()
        # The kubelet signals the container's main process: celery's, a warm shutdown.
        with contextlib.suppress(ProcessLookupError):
            replica.popen.send_signal(signal.SIGTERM)
        self.events.append(PoolEvent(replica.terminating_since, replica.name, "terminating"))

    @staticmethod
    def _killpg(replica: Replica, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(replica.popen.pid, sig)
