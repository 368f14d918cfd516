"""The scenarios: what is measured on each side, and how.

A scenario runs on one side at a time and returns figures (one number each, with the
direction that is better) plus details for the JSON report. Add a scenario by
subclassing ``Scenario`` and listing it in ``SCENARIOS``.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field

from bench.loadgen import LoadSpec, generate
from bench.options import Options
from bench.processes import Process
from bench.sides import Side

# How often the drain scenario counts finished jobs (the same query cost on every side).
POLL_SECONDS = 0.02
# A drain fails if no job finishes for this long (boot included), or if it is slower
# than this many jobs per second after this much time for setup.
STALL_SECONDS = 30.0
SLOWEST_DRAIN_JOBS_PER_SECOND = 10.0
DRAIN_SETUP_SECONDS = 60.0
# Failed requests above this share of all requests make a submit run invalid.
MAX_ERROR_SHARE = 0.01


@dataclass(frozen=True)
class Figure:
    metric: str
    value: float
    higher_is_better: bool


@dataclass(frozen=True)
class Outcome:
    figures: list[Figure]
    details: dict[str, float | int | str] = field(default_factory=dict)


class Scenario(ABC):
    name: str
    title: str

    @abstractmethod
    def run(self, side: Side, options: Options) -> Outcome: ...


class Submit(Scenario):
    """Submissions per second through the API (no worker running), at fixed concurrency."""

    name = "submit"
    title = "POST a no-op job over HTTP"

    def run(self, side: Side, options: Options) -> Outcome:
        side.reset()
        with side.api() as endpoint:
            result = generate(
                LoadSpec(
                    url=endpoint.url,
                    body=endpoint.body,
                    headers=endpoint.headers,
                    expect_status=endpoint.expect_status,
                    concurrency=options.concurrency,
                    warmup_seconds=options.warmup_seconds,
                    duration_seconds=options.duration_seconds,
                )
            )
        attempted = result.requests + result.errors
        if result.requests == 0 or result.errors > MAX_ERROR_SHARE * attempted:
            raise RuntimeError(
                f"{side.title}: {result.errors} of {attempted} submissions "
                f"failed, e.g. {result.error_sample}"
            )
        return Outcome(
            figures=[
                Figure("submissions/s", result.requests_per_second, higher_is_better=True),
                Figure("p50 latency ms", result.p50_ms, higher_is_better=False),
                Figure("p99 latency ms", result.p99_ms, higher_is_better=False),
            ],
            details=asdict(result),
        )


@dataclass(frozen=True)
class _Mark:
    at: float
    done: int


class Drain(Scenario):
    """Worker throughput: a backlog of no-op jobs, filled first, then drained.

    Timed from the moment a tenth of the backlog is done (the worker has booted and
    warmed up) to the moment all of it is, so boot time is not counted.
    """

    name = "drain"
    title = "run no-op jobs from a backlog"

    def run(self, side: Side, options: Options) -> Outcome:
        side.reset()
        total = options.jobs
        before = side.counters()
        filling = time.perf_counter()
        side.fill(total)
        fill_seconds = time.perf_counter() - filling
        with side.worker() as worker:
            started = time.perf_counter()
            first, last = _watch(side, worker, total, warm=max(1, total // 10))
        after = side.counters()
        measured = last.done - first.done
        window = last.at - first.at
        details: dict[str, float | int | str] = {
            "jobs": total,
            "measured_jobs": measured,
            "window_seconds": window,
            "boot_and_warmup_seconds": first.at - started,
            "fill_seconds": fill_seconds,
        }
        details.update(
            {f"{name}_during_fill_and_drain": after[name] - before.get(name, 0) for name in after}
        )
        rate = measured / window if window > 0 else float("nan")
        return Outcome(figures=[Figure("jobs/s", rate, higher_is_better=True)], details=details)


def _watch(side: Side, worker: Process, total: int, *, warm: int) -> tuple[_Mark, _Mark]:
    """Poll until all ``total`` jobs are done: when ``warm`` were, and when all were."""
    deadline = time.perf_counter() + DRAIN_SETUP_SECONDS + total / SLOWEST_DRAIN_JOBS_PER_SECOND
    first: _Mark | None = None
    last_done, last_change = -1, time.perf_counter()
    while True:
        done = side.completed(total)
        now = time.perf_counter()
        if first is None and done >= warm:
            first = _Mark(now, done)
        if done >= total and first is not None:
            return first, _Mark(now, done)
        if done != last_done:
            last_done, last_change = done, now
        problem = _stuck(worker, now=now, last_change=last_change, deadline=deadline)
        if problem:
            raise RuntimeError(
                f"{side.title}: {problem}; {done} of {total} done; {side.describe()}"
            )
        time.sleep(POLL_SECONDS)


def _stuck(worker: Process, *, now: float, last_change: float, deadline: float) -> str | None:
    if not worker.alive():
        return "the worker died"
    if now - last_change > STALL_SECONDS:
        return f"no job finished for {STALL_SECONDS:.0f} s"
    if now > deadline:
        return "the drain took too long"
    return None


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (Submit(), Drain())}
