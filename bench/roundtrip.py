"""The round-trip client: submit one job, wait for its outcome, again, sequentially.

``python -m bench.roundtrip SPEC_JSON`` (run with the side's environment) makes
``warmup`` unmeasured round trips, then ``count`` measured ones, and prints one JSON line
with their latency percentiles. Two ways to wait, one per kind of side:

- ``http`` (conveyor): ``POST /v1/jobs``, then ``GET /v1/jobs/{id}?wait=N`` (a long-poll
  answered when the job is final), on one keep-alive connection; with ``one_request``
  in the spec, ``POST /v1/jobs?wait=N`` instead: submitted and waited for in one request
  (a ``GET ?wait`` follows only if that wait ends first);
- ``celery`` (plain Celery with a result backend): ``noop.delay(...).get()``.

``run`` starts it from the benchmark and parses that line.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from bench.processes import run_to_end

FINAL = {"succeeded", "failed", "cancelled"}

# A measured round trip fails after this long; a warm-up one (the worker may still be
# booting on a loaded machine) after WARMUP_SECONDS. Long-polls ask for at most
# POLL_SECONDS each, and are repeated until the job is final or the time is up.
WAIT_SECONDS = 30.0
WARMUP_SECONDS = 180.0
POLL_SECONDS = 10


@dataclass(frozen=True)
class RoundTrips:
    count: int
    p50_ms: float
    p99_ms: float
    mean_ms: float


def _percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def _http_round_trip(spec: Mapping[str, Any]) -> Callable[[float], None]:
    target = urlsplit(spec["base_url"])
    conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=30)
    body = str(spec["body"]).encode()
    headers = {**spec["headers"], "Content-Type": "application/json"}
    path = spec["submit_path"]
    submit = f"{path}?wait={POLL_SECONDS}" if spec.get("one_request") else path

    def once(limit: float) -> None:
        deadline = time.monotonic() + limit
        conn.request("POST", submit, body=body, headers=headers)
        response = conn.getresponse()
        job = json.loads(response.read())
        if response.status != 201:
            raise RuntimeError(f"submit: HTTP {response.status}: {job}")
        url = f"{path}/{job['id']}?wait={POLL_SECONDS}"
        while job.get("state") not in FINAL and time.monotonic() < deadline:
            conn.request("GET", url, headers=headers)
            response = conn.getresponse()
            job = json.loads(response.read())
            if response.status != 200:
                raise RuntimeError(f"wait: HTTP {response.status}: {job}")
        if job.get("state") != "succeeded":
            raise RuntimeError(f"the job did not succeed within {limit:g} s: {job}")

    return once


def _celery_round_trip() -> Callable[[float], None]:
    from bench.baseline.celery_app import noop

    def once(limit: float) -> None:
        noop.delay("demo.noop", {}).get(timeout=limit)

    return once


def measure(spec: Mapping[str, Any]) -> RoundTrips:
    once = _http_round_trip(spec) if spec["mode"] == "http" else _celery_round_trip()
    for _ in range(int(spec["warmup"])):
        once(WARMUP_SECONDS)
    latencies = []
    for _ in range(int(spec["count"])):
        started = time.perf_counter()
        once(WAIT_SECONDS)
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    return RoundTrips(
        count=len(latencies),
        p50_ms=_percentile(latencies, 0.50) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        mean_ms=sum(latencies) / len(latencies) * 1000,
    )


def run(spec: Mapping[str, Any], env: Mapping[str, str]) -> RoundTrips:
    """Run the client in its own process (with ``env``) and return what it measured."""
    timeout = int(spec["count"]) * WAIT_SECONDS + int(spec["warmup"]) * WARMUP_SECONDS + 60
    out = run_to_end(
        "the round-trip client",
        [sys.executable, "-m", "bench.roundtrip", json.dumps(dict(spec))],
        env,
        timeout=timeout,
    )
    return RoundTrips(**json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    print(json.dumps(asdict(measure(json.loads(sys.argv[1])))))


if __name__ == "__main__":
    main()
