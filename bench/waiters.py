"""Many clients waiting at once: submit a job, wait for its outcome, again, concurrently.

``python -m bench.waiters SPEC_JSON`` (run with the side's environment) starts
``clients`` threads that make round trips back to back for ``warmup + duration``
seconds, and prints one JSON line: the round trips that ended inside the measured window
(or after it: a client finishes the trip it started before the window closed; on a
loaded machine a trip can outlast a short warm-up, and is still a wait under load),
their latency percentiles, and how the waits went. The two ways to wait are those of
``bench.roundtrip`` (the spec is the side's ``round_trip`` spec):

- ``http`` (conveyor): ``POST /v1/jobs``, then ``GET /v1/jobs/{id}?wait=N`` until the job
  is final, one keep-alive connection per client. An API process holds a limited number
  of long-polls at once (``CONVEYOR_LONG_POLL_MAX_PER_PROCESS``); over it the wait is
  answered at once with ``Conveyor-Wait-Shortened: true``, and the client pauses
  ``SHORTENED_PAUSE_SECONDS`` before asking again (docs/api.md asks clients to pause;
  a second would hide everything else in the figure, no pause would make the waiters a
  busy loop). Those answers are counted.
- ``celery`` (plain Celery with a result backend): ``noop.delay(...).get()``.

``run`` starts it from the benchmark and parses that line.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench.processes import run_to_end

FINAL = {"succeeded", "failed", "cancelled"}
SHORTENED_HEADER = "Conveyor-Wait-Shortened"
SHORTENED_PAUSE_SECONDS = 0.1
# Long-polls ask for at most POLL_SECONDS each; a round trip fails after WAIT_SECONDS.
POLL_SECONDS = 10
WAIT_SECONDS = 30.0
# Bounds on every loop: round trips per client, failures in all.
MAX_ROUND_TRIPS_PER_CLIENT = 1_000_000
MAX_ERRORS = 100


@dataclass(frozen=True)
class Waits:
    clients: int
    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    # Requests made (http: submits and polls) and the polls answered shortened.
    requests: int
    shortened: int
    errors: int
    error_sample: str = ""


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    requests: int = 0
    shortened: int = 0
    errors: int = 0
    error_sample: str = ""


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


class _HttpClient:
    """One client's connection; ``once`` makes a round trip and returns (requests,
    shortened answers)."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        target = urlsplit(spec["base_url"])
        self.host, self.port = target.hostname or "127.0.0.1", target.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=WAIT_SECONDS)
        self.body = str(spec["body"]).encode()
        self.headers = {**spec["headers"], "Content-Type": "application/json"}
        self.path = spec["submit_path"]

    def once(self) -> tuple[int, int]:
        deadline = time.monotonic() + WAIT_SECONDS
        requests, shortened = 1, 0
        job = self._call("POST", self.path, self.body, 201)
        url = f"{self.path}/{job['id']}?wait={POLL_SECONDS}"
        while job.get("state") not in FINAL and time.monotonic() < deadline:
            response = self._send("GET", url, None)
            job = json.loads(response.read())
            requests += 1
            if response.status != 200:
                raise RuntimeError(f"wait: HTTP {response.status}: {job}")
            if response.getheader(SHORTENED_HEADER, "").lower() == "true":
                shortened += 1
                if job.get("state") not in FINAL:
                    time.sleep(SHORTENED_PAUSE_SECONDS)
        if job.get("state") != "succeeded":
            raise RuntimeError(f"the job did not succeed within {WAIT_SECONDS:g} s: {job}")
        return requests, shortened

    def _call(self, method: str, path: str, body: bytes | None, status: int) -> dict[str, Any]:
        response = self._send(method, path, body)
        payload: dict[str, Any] = json.loads(response.read())
        if response.status != status:
            raise RuntimeError(f"{method} {path}: HTTP {response.status}: {payload}")
        return payload

    def _send(self, method: str, path: str, body: bytes | None) -> http.client.HTTPResponse:
        try:
            self.conn.request(method, path, body=body, headers=self.headers)
            return self.conn.getresponse()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # a fresh connection next time
            raise

    def close(self) -> None:
        self.conn.close()


class _CeleryClient:
    def __init__(self) -> None:
        from bench.baseline.celery_app import noop

        self.noop = noop

    def once(self) -> tuple[int, int]:
        self.noop.delay("demo.noop", {}).get(timeout=WAIT_SECONDS)
        return 1, 0

    def close(self) -> None:
        pass


def _client(spec: Mapping[str, Any]) -> _HttpClient | _CeleryClient:
    return _HttpClient(spec) if spec["mode"] == "http" else _CeleryClient()


def _run_client(
    spec: Mapping[str, Any], measure_from: float, end: float, tally: _Tally, lock: threading.Lock
) -> None:
    client = _client(spec)
    local: list[float] = []
    requests = shortened = 0
    try:
        for _ in range(MAX_ROUND_TRIPS_PER_CLIENT):
            started = time.perf_counter()
            if started >= end or tally.errors >= MAX_ERRORS:
                break
            try:
                made, cut = client.once()
            except Exception as exc:
                with lock:
                    tally.errors += 1
                    tally.error_sample = tally.error_sample or repr(exc)[:300]
                continue
            requests += made
            shortened += cut
            ended = time.perf_counter()
            if ended >= measure_from:
                local.append(ended - started)
    finally:
        client.close()
    with lock:
        tally.latencies.extend(local)
        tally.requests += requests
        tally.shortened += shortened


def measure(spec: Mapping[str, Any]) -> Waits:
    clients = int(spec["clients"])
    tally = _Tally()
    lock = threading.Lock()
    measure_from = time.perf_counter() + float(spec["warmup_seconds"])
    end = measure_from + float(spec["duration_seconds"])
    threads = [
        threading.Thread(
            target=_run_client,
            name=f"waiter-{n}",
            daemon=True,
            args=(spec, measure_from, end, tally, lock),
        )
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, end - time.perf_counter()) + WAIT_SECONDS + 5)
    latencies = sorted(tally.latencies)
    return Waits(
        clients=clients,
        count=len(latencies),
        p50_ms=_percentile(latencies, 0.50) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        max_ms=(latencies[-1] if latencies else float("nan")) * 1000,
        requests=tally.requests,
        shortened=tally.shortened,
        errors=tally.errors,
        error_sample=tally.error_sample,
    )


def run(spec: Mapping[str, Any], env: Mapping[str, str]) -> Waits:
    """Run the clients in their own process (with ``env``) and return what they measured."""
    timeout = float(spec["warmup_seconds"]) + float(spec["duration_seconds"]) + WAIT_SECONDS + 60
    out = run_to_end(
        "the waiting clients",
        [sys.executable, "-m", "bench.waiters", json.dumps(dict(spec))],
        env,
        timeout=timeout,
    )
    return Waits(**json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    print(json.dumps(asdict(measure(json.loads(sys.argv[1])))))


if __name__ == "__main__":
    main()
