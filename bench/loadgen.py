"""The load generator: the same HTTP client for every side, in its own process.

``python -m bench.loadgen SPEC_JSON`` runs ``concurrency`` threads, each with one
persistent HTTP/1.1 connection, sending the same request back to back for
``warmup + duration`` seconds, and prints one JSON line: the requests that completed
inside the measured window, their rate and latency percentiles. ``generate`` runs it
from the benchmark and parses that line.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from bench.processes import REPO_ROOT, run_to_end

# Bounds on every loop, whatever the duration: requests per thread and failures in all.
MAX_REQUESTS_PER_THREAD = 1_000_000
MAX_ERRORS = 100
REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class LoadSpec:
    url: str
    body: str
    headers: dict[str, str]
    expect_status: int
    concurrency: int
    warmup_seconds: float
    duration_seconds: float


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    client_cpu_seconds: float
    error_sample: str = ""
    # Every request answered as expected, warm-up included, and when the first was sent
    # (seconds since the epoch): what the end-to-end drain counts from.
    ok_total: int = 0
    first_sent_at: float = 0.0


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    ok_total: int = 0
    error_sample: str = ""


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def _worker(
    spec: LoadSpec, measure_from: float, end: float, tally: _Tally, lock: threading.Lock
) -> None:
    target = urlsplit(spec.url)
    host, port = target.hostname or "127.0.0.1", target.port or 80
    body = spec.body.encode()
    headers = {**spec.headers, "Content-Type": "application/json", "Content-Length": str(len(body))}
    conn = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT_SECONDS)
    local: list[float] = []
    ok = 0
    try:
        for _ in range(MAX_REQUESTS_PER_THREAD):
            sent = time.perf_counter()
            if sent >= end or tally.errors >= MAX_ERRORS:
                break
            try:
                conn.request("POST", target.path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                with lock:
                    tally.errors += 1
                    tally.error_sample = tally.error_sample or repr(exc)
                continue
            done = time.perf_counter()
            if response.status != spec.expect_status:
                with lock:
                    tally.errors += 1
                    tally.error_sample = tally.error_sample or (
                        f"HTTP {response.status}: {payload[:300].decode(errors='replace')}"
                    )
                continue
            ok += 1
            if measure_from <= done < end:
                local.append(done - sent)
    finally:
        conn.close()
    with lock:
        tally.latencies.extend(local)
        tally.ok_total += ok


def generate_here(spec: LoadSpec) -> LoadResult:
    """Run the load in this process (``generate`` runs this in a fresh one)."""
    cpu_before = os.times()
    tally = _Tally()
    lock = threading.Lock()
    first_sent_at = time.time()
    measure_from = time.perf_counter() + spec.warmup_seconds
    end = measure_from + spec.duration_seconds
    threads = [
        threading.Thread(
            target=_worker,
            name=f"load-{n}",
            daemon=True,
            args=(spec, measure_from, end, tally, lock),
        )
        for n in range(spec.concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=end - time.perf_counter() + REQUEST_TIMEOUT_SECONDS + 5)
    cpu_after = os.times()
    latencies = sorted(tally.latencies)
    return LoadResult(
        requests=len(latencies),
        errors=tally.errors,
        requests_per_second=len(latencies) / spec.duration_seconds,
        p50_ms=_percentile(latencies, 0.50) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        client_cpu_seconds=(cpu_after.user - cpu_before.user)
        + (cpu_after.system - cpu_before.system),
        error_sample=tally.error_sample,
        ok_total=tally.ok_total,
        first_sent_at=first_sent_at,
    )


def generate(spec: LoadSpec) -> LoadResult:
    """Run the load generator in its own process and return what it measured."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    timeout = spec.warmup_seconds + spec.duration_seconds + REQUEST_TIMEOUT_SECONDS + 30
    out = run_to_end(
        "the load generator",
        [sys.executable, "-m", "bench.loadgen", json.dumps(asdict(spec))],
        env,
        timeout=timeout,
    )
    return LoadResult(**json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    spec = LoadSpec(**json.loads(sys.argv[1]))
    print(json.dumps(asdict(generate_here(spec))))


if __name__ == "__main__":
    main()
