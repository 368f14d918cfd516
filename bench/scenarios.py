"""The scenarios: what is measured on each side, and how.

A scenario runs on one side at a time and returns figures (one number each, with the
direction that is better) plus details for the JSON report. A scenario that makes no
sense on a side (a round trip without a result backend) says so in ``applies_to`` and
its cells show "n/a". Add a scenario by subclassing ``Scenario`` and listing it in
``SCENARIOS``.
"""

from __future__ import annotations

import http.client
import math
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from bench import instructions, roundtrip, waiters
from bench.loadgen import LoadResult, LoadSpec, generate
from bench.options import Options
from bench.processes import Memory, Process, memory_of, wait_until
from bench.sides import Endpoint, Side

# How often the drain scenario counts finished jobs (the same query cost on every side).
POLL_SECONDS = 0.02
# A drain fails if no job finishes for this long (boot included), or if it is slower
# than this many jobs per second after this much time for setup.
STALL_SECONDS = 30.0
SLOWEST_DRAIN_JOBS_PER_SECOND = 10.0
DRAIN_SETUP_SECONDS = 60.0
# Failed requests above this share of all requests make a submit run invalid.
MAX_ERROR_SHARE = 0.01
# The memory scenario: jobs submitted over HTTP (warming the code paths) before sampling.
MEMORY_WARM_JOBS = 20
MEMORY_SETTLE_SECONDS = 60.0
# Unmeasured round trips first (connections, imports, caches).
ROUND_TRIP_WARMUP = 5


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

    def applies_to(self, side: Side) -> bool:
        return True

    @abstractmethod
    def run(self, side: Side, options: Options) -> Outcome: ...


def _load(
    endpoint: Endpoint, path: str, body: str, options: Options, *, concurrency: int
) -> LoadResult:
    return generate(
        LoadSpec(
            url=f"{endpoint.base_url}{path}",
            body=body,
            headers=endpoint.headers,
            expect_status=201,
            concurrency=concurrency,
            warmup_seconds=options.warmup_seconds,
            duration_seconds=options.duration_seconds,
        )
    )


def _check(side: Side, result: LoadResult) -> None:
    attempted = result.requests + result.errors
    if result.requests == 0 or result.errors > MAX_ERROR_SHARE * attempted:
        raise RuntimeError(
            f"{side.title}: {result.errors} of {attempted} requests "
            f"failed, e.g. {result.error_sample}"
        )


class Submit(Scenario):
    """Submissions per second through the API (no worker running), at fixed concurrency."""

    name = "submit"
    title = "POST a no-op job over HTTP"

    def run(self, side: Side, options: Options) -> Outcome:
        side.reset()
        with side.api() as endpoint:
            result = _load(
                endpoint,
                endpoint.submit_path,
                endpoint.submit_body(),
                options,
                concurrency=options.concurrency,
            )
            memory = memory_of(endpoint.process)
        _check(side, result)
        return Outcome(
            figures=[
                Figure("submissions/s", result.requests_per_second, higher_is_better=True),
                Figure("p50 latency ms", result.p50_ms, higher_is_better=False),
                Figure("p99 latency ms", result.p99_ms, higher_is_better=False),
                Figure("API RSS MiB (loaded)", memory.rss_mib, higher_is_better=False),
                Figure("API PSS MiB (loaded)", memory.pss_mib, higher_is_better=False),
            ],
            details={**asdict(result), **_memory_details("api", memory)},
        )


def batch_concurrency(options: Options) -> int:
    """Batch clients are few (a quarter of the submit connections): a batch already
    carries many jobs, and 8 x 100 jobs at once only queue up in gunicorn."""
    return max(1, options.concurrency // 4)


class BatchSubmit(Scenario):
    """Jobs per second through the batch endpoint (no worker running)."""

    name = "batch"
    title = "POST batches of no-op jobs over HTTP"

    def run(self, side: Side, options: Options) -> Outcome:
        side.reset()
        size = options.batch_size
        with side.api() as endpoint:
            result = _load(
                endpoint,
                endpoint.batch_path,
                endpoint.batch_body(size),
                options,
                concurrency=batch_concurrency(options),
            )
        _check(side, result)
        return Outcome(
            figures=[
                Figure("jobs/s", result.requests_per_second * size, higher_is_better=True),
                Figure(f"p50 ms per {size}-job request", result.p50_ms, higher_is_better=False),
            ],
            details={**asdict(result), "batch_size": size},
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
    #: How the backlog is submitted: singly, or as batches (conveyor publishes bundles).
    batch = False

    def run(self, side: Side, options: Options) -> Outcome:
        side.reset()
        total = options.jobs
        before = side.counters()
        filling = time.perf_counter()
        side.fill(total, batch=self.batch)
        fill_seconds = time.perf_counter() - filling
        with side.worker() as worker:
            started = time.perf_counter()
            first, last = _watch(side, worker, total, warm=max(1, total // 10))
            memory = memory_of(worker)
        after = side.counters()
        measured = last.done - first.done
        window = last.at - first.at
        details: dict[str, float | int | str] = {
            "jobs": total,
            "measured_jobs": measured,
            "window_seconds": window,
            "boot_and_warmup_seconds": first.at - started,
            "fill_seconds": fill_seconds,
            **_memory_details("worker", memory),
        }
        details.update(
            {f"{name}_during_fill_and_drain": after[name] - before.get(name, 0) for name in after}
        )
        if measured > 0 and window > 0:
            rate = measured / window
        else:
            # the whole backlog ran between two polls (a tiny one, or bundles): no warm
            # window to time, so from the worker's start, boot included (a lower bound)
            rate = total / (last.at - started) if last.at > started else float("nan")
            details["window_seconds"] = last.at - started
            details["window_from_worker_start"] = 1
        return Outcome(
            figures=[
                Figure("jobs/s", rate, higher_is_better=True),
                Figure("worker RSS MiB (after drain)", memory.rss_mib, higher_is_better=False),
                Figure("worker PSS MiB (after drain)", memory.pss_mib, higher_is_better=False),
            ],
            details=details,
        )


class DrainBatch(Drain):
    """The same drain, the backlog submitted as batches (conveyor: ``jobs_create_batch``,
    1,000 a batch, published as bundles; the baselines: ``.delay()`` per job, as before)."""

    name = "drain-batch"
    title = "run batch-submitted no-op jobs from a backlog"
    batch = True


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


class RoundTrip(Scenario):
    """Submit one job and wait for its outcome, sequentially: latency percentiles.

    conveyor: ``POST /v1/jobs`` then ``GET /v1/jobs/{id}?wait=10`` (long-poll) over HTTP,
    and, measured apart, ``POST /v1/jobs?wait=10`` (submit and wait in one request);
    plain Celery: ``.delay().get()`` on a Redis result backend, one call, which stands
    for both. The plain side without a result backend cannot report an outcome: n/a.
    """

    name = "roundtrip"
    title = "submit, then wait for the outcome"

    def applies_to(self, side: Side) -> bool:
        return side.name != "plain"

    def run(self, side: Side, options: Options) -> Outcome:
        side.reset()
        with side.api() as endpoint, side.worker():
            spec = side.round_trip(endpoint)
            if spec is None:
                raise RuntimeError(f"{side.title} cannot wait for an outcome")
            spec = {**spec, "count": options.round_trips, "warmup": ROUND_TRIP_WARMUP}
            result = roundtrip.run(spec, side.env)
            one = (
                roundtrip.run({**spec, "one_request": True}, side.env)
                if spec["mode"] == "http"
                else result
            )
        return Outcome(
            figures=[
                Figure("p50 ms", result.p50_ms, higher_is_better=False),
                Figure("p99 ms", result.p99_ms, higher_is_better=False),
                Figure("p50 ms, one request", one.p50_ms, higher_is_better=False),
                Figure("p99 ms, one request", one.p99_ms, higher_is_better=False),
            ],
            details={
                **asdict(result),
                **{f"one_request_{name}": value for name, value in asdict(one).items()},
            },
        )


class MemoryFootprint(Scenario):
    """Memory of an idle API and worker pod's processes, once warm.

    Both run; ``MEMORY_WARM_JOBS`` jobs are submitted over HTTP and run, then the RSS of
    each process tree (gunicorn master and workers; celery main process and its pool)
    is summed. PSS (shared pages split) is in the JSON.
    """

    name = "memory"
    title = "idle API and worker, warm"

    def run(self, side: Side, options: Options) -> Outcome:
        side.reset()
        with side.api() as endpoint, side.worker() as worker:
            _submit_over_http(endpoint, MEMORY_WARM_JOBS)
            wait_until(
                lambda: side.completed(MEMORY_WARM_JOBS) >= MEMORY_WARM_JOBS,
                timeout=MEMORY_SETTLE_SECONDS,
                what=f"{side.title} to run {MEMORY_WARM_JOBS} jobs",
                alive=worker.alive,
            )
            api, pool = memory_of(endpoint.process), memory_of(worker)
        return Outcome(
            figures=[
                Figure("worker RSS MiB (idle)", pool.rss_mib, higher_is_better=False),
                Figure("worker PSS MiB (idle)", pool.pss_mib, higher_is_better=False),
                Figure("API RSS MiB (idle)", api.rss_mib, higher_is_better=False),
                Figure("API PSS MiB (idle)", api.pss_mib, higher_is_better=False),
            ],
            details={**_memory_details("worker", pool), **_memory_details("api", api)},
        )


def _submit_over_http(endpoint: Endpoint, count: int) -> None:
    target = urlsplit(endpoint.base_url)
    conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=30)
    headers = {**endpoint.headers, "Content-Type": "application/json"}
    try:
        for _ in range(count):
            conn.request("POST", endpoint.submit_path, body=endpoint.submit_body(), headers=headers)
            response = conn.getresponse()
            payload = response.read()
            if response.status != 201:
                raise RuntimeError(f"submit: HTTP {response.status}: {payload[:300]!r}")
    finally:
        conn.close()


def _memory_details(what: str, memory: Memory) -> dict[str, float | int | str]:
    return {f"{what}_{key}": value for key, value in asdict(memory).items()}


# Jobs submitted over HTTP and run before a load starts (the worker booted and warm).
WARM_JOBS = 5


def _warm(side: Side, endpoint: Endpoint, worker: Process, count: int = WARM_JOBS) -> None:
    _submit_over_http(endpoint, count)
    wait_until(
        lambda: side.completed(count) >= count,
        timeout=MEMORY_SETTLE_SECONDS,
        what=f"{side.title} to run {count} jobs",
        alive=worker.alive,
    )


class DrainSingles(Scenario):
    """Jobs submitted one per request, at full speed, while the worker runs: end to end.

    The API and the worker run and are warm; the load generator POSTs single no-op jobs
    (``options.concurrency`` connections, warm-up and measured window as ``submit``).
    When it stops, the scenario waits until every job it got a 201 for has run. The
    figure is those jobs over the time from the first request to the last job done (a
    worker that keeps up scores the submit rate; one that does not, less), next to the
    submit rate of the measured window.
    """

    name = "drain-single"
    title = "submit no-op jobs one per request, run meanwhile"

    def run(self, side: Side, options: Options) -> Outcome:
        side.reset()
        with side.api() as endpoint, side.worker() as worker:
            _warm(side, endpoint, worker)
            result = _load(
                endpoint,
                endpoint.submit_path,
                endpoint.submit_body(),
                options,
                concurrency=options.concurrency,
            )
            _check(side, result)
            load_ended = time.time()
            total = WARM_JOBS + result.ok_total
            left = total - side.completed(total)
            _first, last = _watch(side, worker, total, warm=total)
            done_at = time.time() - (time.perf_counter() - last.at)
        window = done_at - result.first_sent_at
        rate = result.ok_total / window if window > 0 else float("nan")
        return Outcome(
            figures=[
                Figure("jobs/s end to end", rate, higher_is_better=True),
                Figure("submissions/s", result.requests_per_second, higher_is_better=True),
            ],
            details={
                **asdict(result),
                "jobs": result.ok_total,
                "window_seconds": window,
                "backlog_when_load_ended": left,
                "tail_seconds": max(0.0, done_at - load_ended),
            },
        )


# Waiting under load: clients at once, and the liveness probe sampled meanwhile (a new
# connection each time, as a kubelet does).
WAITING_CLIENTS = 64
HEALTH_INTERVAL_SECONDS = 0.05
HEALTH_TIMEOUT_SECONDS = 5.0


class WaitingUnderLoad(Scenario):
    """64 clients submitting and waiting for the outcome at once; the API's liveness.

    conveyor: each client ``POST /v1/jobs`` then ``GET /v1/jobs/{id}?wait=10``, again
    after an answer whose wait was shortened (the process held its limit of long-polls;
    counted in the details). plain Celery + results: ``.delay().get()`` from 64 threads.
    Meanwhile the API's liveness path (conveyor ``/healthz``; the baselines' views have
    only ``/readyz``, and their clients do not go through them) is probed every 50 ms.
    """

    name = "waiting"
    title = "64 clients submitting and waiting at once"

    def applies_to(self, side: Side) -> bool:
        return side.name != "plain"

    def run(self, side: Side, options: Options) -> Outcome:
        side.reset()
        with side.api() as endpoint, side.worker() as worker:
            spec = side.round_trip(endpoint)
            if spec is None:
                raise RuntimeError(f"{side.title} cannot wait for an outcome")
            _warm(side, endpoint, worker)
            spec = {
                **spec,
                "clients": WAITING_CLIENTS,
                "warmup_seconds": options.warmup_seconds,
                "duration_seconds": options.duration_seconds,
            }
            outcome: dict[str, waiters.Waits | BaseException] = {}

            def wait_all() -> None:
                try:
                    outcome["result"] = waiters.run(spec, side.env)
                except BaseException as exc:
                    outcome["error"] = exc

            clients = threading.Thread(target=wait_all, name="waiters", daemon=True)
            clients.start()
            clients.join(timeout=options.warmup_seconds)
            probes = _probe_health(endpoint, side.health_path, while_=clients.is_alive)
            clients.join()
        error = outcome.get("error")
        if isinstance(error, BaseException):
            raise error
        result = outcome["result"]
        assert isinstance(result, waiters.Waits)
        if result.count == 0 or result.errors > MAX_ERROR_SHARE * (result.count + result.errors):
            raise RuntimeError(
                f"{side.title}: {result.errors} failed round trips of "
                f"{result.count + result.errors}, e.g. {result.error_sample}"
            )
        latencies = sorted(probes.latencies)
        return Outcome(
            figures=[
                Figure(f"p50 ms ({WAITING_CLIENTS} waiting)", result.p50_ms, False),
                Figure(f"p99 ms ({WAITING_CLIENTS} waiting)", result.p99_ms, False),
                Figure("liveness p50 ms", _percentile(latencies, 0.50), False),
                Figure("liveness p99 ms", _percentile(latencies, 0.99), False),
                Figure("liveness max ms", latencies[-1] if latencies else math.nan, False),
            ],
            details={
                **asdict(result),
                "health_path": side.health_path,
                "health_probes": len(latencies),
                "health_failures": probes.failures,
                "health_failure_sample": probes.failure_sample,
            },
        )


@dataclass
class _Probes:
    latencies: list[float] = field(default_factory=list)  # ms, failures included
    failures: int = 0
    failure_sample: str = ""


def _probe_health(endpoint: Endpoint, path: str, *, while_: Callable[[], bool]) -> _Probes:
    """GET ``path`` on a new connection every HEALTH_INTERVAL_SECONDS while ``while_()``."""
    target = urlsplit(endpoint.base_url)
    probes = _Probes()
    while while_():
        started = time.perf_counter()
        conn = http.client.HTTPConnection(
            target.hostname or "127.0.0.1", target.port, timeout=HEALTH_TIMEOUT_SECONDS
        )
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            problem = "" if response.status == 200 else f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            problem = repr(exc)
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        probes.latencies.append(elapsed * 1000)
        if problem:
            probes.failures += 1
            probes.failure_sample = probes.failure_sample or problem
        time.sleep(max(0.0, HEALTH_INTERVAL_SECONDS - elapsed))
    return probes


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return math.nan
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


class SubmitCost(Scenario):
    """Instructions per submission, counted by callgrind (bench/instructions.py): the
    submit path's cost, unmoved by the machine's speed or load, of one server process
    answering one client. Opt-in (``--scenarios cost``): servers under callgrind run
    tens of times slower."""

    name = "cost"
    title = "instructions per POST of a no-op job (callgrind)"

    def applies_to(self, side: Side) -> bool:
        return instructions.available()

    def run(self, side: Side, options: Options) -> Outcome:
        side.reset()
        out_dir = options.work_dir / "callgrind"
        name = f"{side.name}-{side.broker}"
        count = options.cost_requests
        wrapper = instructions.wrapper(out_dir, name)
        with side.api(wrapper=wrapper, workers=1) as endpoint:
            _submit_over_http(endpoint, min(instructions.WARMUP_REQUESTS, count))
            pids = instructions.counting_on(endpoint.process)
            _submit_over_http(endpoint, count)
            total = instructions.counted(pids, out_dir, name)
        return Outcome(
            figures=[
                Figure("M instructions per submission", total / count / 1e6, higher_is_better=False)
            ],
            details={"requests": count, "instructions": total},
        )


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Submit(),
        BatchSubmit(),
        Drain(),
        DrainBatch(),
        RoundTrip(),
        MemoryFootprint(),
        DrainSingles(),
        WaitingUnderLoad(),
        SubmitCost(),
    )
}
#: What a run measures unless told (``cost`` is opt-in: minutes per side under valgrind).
DEFAULT_SCENARIOS = [name for name in SCENARIOS if name != SubmitCost.name]
