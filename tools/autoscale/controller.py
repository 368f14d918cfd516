"""The loop: KEDA every ``pollingInterval``, the HPA every sync period, the pool in between.

Both loops read the metric afresh (KEDA's metrics server queries the scaler for each HPA
request). KEDA writes the scale only from 0 to max(min, 1) and back to 0 after the
cooldown; the HPA owns 1..max. The pool follows the scale.
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tools.autoscale.pool import WorkerPool
from tools.autoscale.rules import (
    DEFAULT_HPA_SYNC_SECONDS,
    Hpa,
    Keda,
    metric_proposal,
)
from tools.autoscale.scaledobject import ScaledObject
from tools.autoscale.scalers import Scaler, ScalerError

log = logging.getLogger(__name__)


@dataclass
class Tick:
    """One row of the record (and of the CSV)."""

    t: float  # seconds since the controller started
    metric: float | None  # the first trigger's value (None: not read this tick)
    replicas: int  # spec.replicas: what KEDA or the HPA wrote
    running: int  # status.replicas: started, not terminating
    ready: int
    terminating: int
    writer: str  # "keda", "hpa" or ""
    reason: str


@dataclass
class Controller:
    scaled: ScaledObject
    scalers: Sequence[Scaler]
    pool: WorkerPool
    hpa_sync_seconds: float = DEFAULT_HPA_SYNC_SECONDS
    clock: Callable[[], float] = time.monotonic
    replicas: int = 0
    ticks: list[Tick] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.started_at = self.clock()
        self.keda = Keda(
            min_replicas=self.scaled.min_replicas,
            cooldown_period=self.scaled.cooldown_period,
            created_at=self.started_at,
            initial_cooldown_period=self.scaled.initial_cooldown_period,
            idle_replicas=self.scaled.idle_replicas,
        )
        self.hpa = Hpa(
            min_replicas=self.scaled.hpa_min_replicas,
            max_replicas=self.scaled.max_replicas,
            behavior=self.scaled.behavior,
        )
        self._next_poll = self.started_at
        self._next_sync = self.started_at + self.hpa_sync_seconds

    def read_metrics(self) -> list[float] | None:
        try:
            return [scaler.metric() for scaler in self.scalers]
        except ScalerError as exc:
            log.warning("scaler error: %s", exc)
            return None

    def step(self) -> Tick:
        """Run whatever is due now; returns the tick recorded."""
        now = self.clock()
        self.pool.reap()
        metric: float | None = None
        writer, reason = "", ""
        if now >= self._next_poll:
            self._next_poll = now + self.scaled.polling_interval
            metrics = self.read_metrics()
            metric = metrics[0] if metrics else None
            decision = self.keda.poll(
                now=now,
                replicas=self.replicas,
                metrics=metrics,
                activations=[s.trigger.activation for s in self.scalers],
            )
            if decision.replicas != self.replicas:
                writer, reason = "keda", decision.reason
                self.replicas = decision.replicas
        if now >= self._next_sync:
            self._next_sync = now + self.hpa_sync_seconds
            metrics = self.read_metrics()
            metric = metrics[0] if metrics else metric
            running = len(self.pool.running())
            ready = self.pool.ready_count()
            proposals = (
                [
                    metric_proposal(
                        metric=m,
                        target=s.trigger.target,
                        metric_type=s.trigger.metric_type,
                        spec_replicas=self.replicas,
                        status_replicas=running,
                        ready_replicas=ready,
                        behavior=self.scaled.behavior,
                    )
                    for m, s in zip(metrics, self.scalers, strict=True)
                ]
                if metrics is not None
                else None
            )
            synced = self.hpa.sync(
                now=now,
                spec_replicas=self.replicas,
                status_replicas=running,
                ready_replicas=ready,
                proposals=proposals,
            )
            if synced.desired != self.replicas:
                writer, reason = "hpa", f"{synced.reason} (raw {synced.raw})"
                self.replicas = synced.desired
        self.pool.scale(self.replicas)
        tick = Tick(
            t=round(now - self.started_at, 3),
            metric=metric,
            replicas=self.replicas,
            running=len(self.pool.running()),
            ready=self.pool.ready_count(),
            terminating=len(self.pool.terminating()),
            writer=writer,
            reason=reason,
        )
        self.ticks.append(tick)
        if writer:
            log.info("t=%.1fs %s scaled to %d: %s", tick.t, writer, tick.replicas, reason)
        return tick

    def run_until(
        self, done: Callable[[], bool], *, timeout: float, interval: float = 0.2
    ) -> list[Tick]:
        """Step every ``interval`` until ``done()``; TimeoutError after ``timeout`` s."""
        deadline = self.clock() + timeout
        while not done():
            if self.clock() > deadline:
                raise TimeoutError(f"the scenario did not finish within {timeout} s")
            self.step()
            time.sleep(interval)
        return self.ticks

    def write_csv(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(Tick.__dataclass_fields__))
            writer.writeheader()
            for tick in self.ticks:
                writer.writerow(asdict(tick))
