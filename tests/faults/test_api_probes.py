"""The API's probes as the kubelet sends them, to gunicorn started as the chart starts it.

Liveness and readiness must be answered within the probe's own ``timeoutSeconds`` while
clients long-poll, 64 at once, and while slow clients trickle their headers (a probe
that times out counts as failed: the pod leaves the Service, or is restarted); so must
another client's submissions. A wait or a slow client holds no thread of the API.
Readiness follows what the API needs to accept work: the database, not the broker (a
submission is stored while the broker is down, and the reconciler publishes it later).
"""

from __future__ import annotations

import importlib.util
import socket
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field

import httpx
import pytest

from tests import shared_services as services
from tests.chart.conftest import require_tool, with_image
from tests.chart.objects import find
from tests.e2e.platform import Platform
from tests.faults.conftest import FAULT_ENV
from tests.private_services import OwnPostgres, OwnRedis
from tests.procs import wait_until
from tools import helm

pytestmark = pytest.mark.timeout(300)

# The kubelet's pace here: a probe of each kind every this many seconds (the chart's
# periods are longer; more probes only make a starved one likelier to show).
PROBE_PERIOD_SECONDS = 0.5
SHORTENED_HEADER = "Conveyor-Wait-Shortened"
SHORTENED_METRIC = "conveyor_long_polls_shortened_total"


@dataclass(frozen=True)
class Probe:
    path: str
    host: str
    timeout_seconds: float


@dataclass(frozen=True)
class ApiPod:
    """What the rendered api Deployment runs: gunicorn's settings (and the database
    pool's size) and the probes."""

    gunicorn: dict[str, str]
    liveness: Probe
    readiness: Probe


def _probe(spec: dict[str, object]) -> Probe:
    get = spec["httpGet"]
    assert isinstance(get, dict)
    host = next(h["value"] for h in get.get("httpHeaders", []) if h["name"] == "Host")
    return Probe(str(get["path"]), str(host), float(str(spec["timeoutSeconds"])))


@pytest.fixture(scope="module")
def api_pod() -> ApiPod:
    """The api container of the chart's default render."""
    require_tool(importlib.util.find_spec("helm_python") is not None, "helm-python-sdk")
    objects = helm.render(with_image(), api_versions=helm.CRD_APIS)
    (deployment,) = [
        o
        for o in find(objects, "Deployment")
        if o["metadata"]["labels"]["app.kubernetes.io/component"] == "api"
    ]
    (api,) = [c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == "api"]
    assert api["args"] == ["gunicorn", "-c", "python:conveyor.config.gunicorn"]
    gunicorn = {
        e["name"]: e["value"]
        for e in api["env"]
        if (e["name"].startswith("GUNICORN_") and e["name"] != "GUNICORN_BIND")
        or e["name"] == "DATABASE_POOL_MAX_SIZE"
    }
    return ApiPod(gunicorn, _probe(api["livenessProbe"]), _probe(api["readinessProbe"]))


def send_probe(platform: Platform, probe: Probe) -> httpx.Response:
    """One probe: a new connection, the probe's Host header, its timeout."""
    return httpx.get(
        f"{platform.base_url}{probe.path}",
        headers={"Host": probe.host},
        timeout=probe.timeout_seconds,
    )


# ---- probes under long-polls ------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded_platform(api_pod: ApiPod) -> Iterator[Platform]:
    services.require("postgres")
    services.require("redis")
    with Platform.running("redis", api_env=api_pod.gunicorn) as platform:
        yield platform


@dataclass
class ProbeLog:
    answered: int = 0
    failures: list[str] = field(default_factory=list)
    # long-polls still unanswered when each round of probes was sent
    in_flight: list[int] = field(default_factory=list)

    def send(self, platform: Platform, probe: Probe) -> None:
        try:
            response = send_probe(platform, probe)
        except httpx.TimeoutException as exc:
            self.failures.append(
                f"{probe.path}: no answer in {probe.timeout_seconds:g} s ({exc!r})"
            )
            return
        if response.status_code != 200:
            self.failures.append(f"{probe.path}: {response.status_code} {response.text}")
            return
        self.answered += 1


def shortened_total(platform: Platform) -> float:
    """``conveyor_long_polls_shortened_total`` on the API's /metrics (all its processes)."""
    text = platform.http.get(f"{platform.base_url}/metrics").text
    values = [
        float(row.split()[-1]) for row in text.splitlines() if row.startswith(SHORTENED_METRIC)
    ]
    return sum(values)


def long_polls(platform: Platform, count: int, wait: float) -> list[Future[httpx.Response]]:
    """``count`` clients, each long-polling a job that does not end (no worker consumes
    "idle") for ``wait`` seconds; their answers."""
    jobs = [
        str(platform.submit({"type": "demo.noop", "queue": "idle"})["id"]) for _ in range(count)
    ]

    def long_poll(job_id: str) -> httpx.Response:
        with httpx.Client(timeout=2 * wait + 30) as client:
            return client.get(
                f"{platform.base_url}/v1/jobs/{job_id}",
                params={"wait": wait},
                headers=platform.headers(),
            )

    pool = ThreadPoolExecutor(count)
    try:
        return [pool.submit(long_poll, job) for job in jobs]
    finally:
        pool.shutdown(wait=False)


@pytest.mark.parametrize("count", [10, 64])
def test_probes_are_answered_within_their_timeout_while_clients_long_poll(
    api_pod: ApiPod, loaded_platform: Platform, count: int
) -> None:
    platform = loaded_platform
    # given clients long-polling for three times the probes' timeout
    timeout = max(api_pod.liveness.timeout_seconds, api_pod.readiness.timeout_seconds)
    shortened_before = shortened_total(platform)
    log = ProbeLog()
    polls = long_polls(platform, count, wait=3 * timeout)
    # when the kubelet probes liveness and readiness until every long-poll is answered
    while not all(p.done() for p in polls):
        log.in_flight.append(sum(not p.done() for p in polls))
        log.send(platform, api_pod.liveness)
        log.send(platform, api_pod.readiness)
        wait_futures(polls, timeout=PROBE_PERIOD_SECONDS)
    answers = [p.result() for p in polls]

    # then every probe was answered within its timeout,
    assert not log.failures, f"{len(log.failures)} probes failed: {log.failures[:6]}"
    # every long-poll waited its whole wait and got the job, queued still (none shortened:
    # a wait holds no thread, so the process's limit is far off),
    outcomes = [(a.status_code, a.json().get("state")) for a in answers]
    assert set(outcomes) == {(200, "queued")}, outcomes
    assert not [a for a in answers if SHORTENED_HEADER in a.headers]
    assert shortened_total(platform) == shortened_before
    # and probes were made while every long-poll waited
    assert sum(1 for n in log.in_flight if n == count) >= 3, log.in_flight


# A client that sends its request's headers one byte every SLOW_BYTE_SECONDS.
SLOW_BYTE_SECONDS = 2.0
# What "answered promptly" means here: generous, far above any probe's or request's time.
ANSWER_DEADLINE_SECONDS = 2.0


def slow_header_socket(platform: Platform) -> socket.socket:
    """A connection that has sent the first bytes of a request's headers, no more."""
    url = httpx.URL(platform.base_url)
    sock = socket.create_connection((url.host, url.port or 80), timeout=10)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-")
    return sock


def test_probes_and_submissions_are_answered_beside_long_polls_and_slow_clients(
    api_pod: ApiPod, loaded_platform: Platform
) -> None:
    platform = loaded_platform
    probes = [
        Probe(api_pod.liveness.path, api_pod.liveness.host, ANSWER_DEADLINE_SECONDS),
        Probe(api_pod.readiness.path, api_pod.readiness.host, ANSWER_DEADLINE_SECONDS),
    ]
    # given 32 clients trickling their headers, one byte every 2 s,
    slow = [slow_header_socket(platform) for _ in range(32)]
    try:
        # and 64 clients long-polling jobs that do not end, for 12 s
        polls = long_polls(platform, 64, wait=12)
        log = ProbeLog()
        submitted: list[str] = []
        trickled = 0
        next_byte = time.monotonic() + SLOW_BYTE_SECONDS
        # when the probes and another client's submissions go on meanwhile
        while not all(p.done() for p in polls):
            log.in_flight.append(sum(not p.done() for p in polls))
            for probe in probes:
                log.send(platform, probe)
            try:
                response = httpx.post(
                    f"{platform.base_url}/v1/jobs",
                    json={"type": "demo.noop", "queue": "idle"},
                    headers=platform.headers("bob"),
                    timeout=ANSWER_DEADLINE_SECONDS,
                )
            except httpx.TimeoutException as exc:
                log.failures.append(f"POST /v1/jobs: no answer ({exc!r})")
            else:
                if response.status_code == 201:
                    submitted.append(response.json()["id"])
                else:
                    log.failures.append(f"POST /v1/jobs: {response.status_code}")
            if time.monotonic() >= next_byte:
                for sock in slow:
                    sock.sendall(b"a")
                trickled += 1
                next_byte += SLOW_BYTE_SECONDS
            wait_futures(polls, timeout=PROBE_PERIOD_SECONDS)
        answers = [p.result() for p in polls]
        # the slow clients were still connected, still sending their headers, all along
        for sock in slow:
            sock.sendall(b"a")
    finally:
        for sock in slow:
            sock.close()

    # then every probe and every submission was answered within the deadline,
    assert not log.failures, f"{len(log.failures)} failed: {log.failures[:6]}"
    assert len(submitted) >= 3, submitted
    assert trickled >= 2, trickled
    # while every long-poll waited (answered at the end of its wait, the job queued)
    assert {(a.status_code, a.json().get("state")) for a in answers} == {(200, "queued")}
    assert sum(1 for n in log.in_flight if n == 64) >= 3, log.in_flight
    for job_id in submitted:
        platform.post(f"/v1/jobs/{job_id}/cancel", client="bob")


# ---- readiness through outages ------------------------------------------------------


@pytest.fixture
def outage_platform(
    api_pod: ApiPod, own_postgres: OwnPostgres, own_redis: OwnRedis
) -> Iterator[Platform]:
    """The platform on servers of the test's own, which it may stop."""
    with Platform.running(
        "redis",
        pg_url=own_postgres.url,
        redis_url=own_redis.url,
        extra_env=FAULT_ENV,
        api_env=api_pod.gunicorn,
    ) as platform:
        yield platform


def test_readiness_keeps_the_api_in_service_while_the_broker_is_down(
    api_pod: ApiPod, outage_platform: Platform, own_redis: OwnRedis
) -> None:
    platform = outage_platform
    statuses: list[int] = []

    def broker_check() -> str:
        response = send_probe(platform, api_pod.readiness)
        statuses.append(response.status_code)
        return str(response.json()["checks"]["broker"])

    # given the API ready, the broker up
    assert broker_check() == "ok"
    # when the broker goes away
    own_redis.kill()
    try:
        wait_until(
            lambda: broker_check().startswith("broker unavailable"),
            timeout=30,
            message="/readyz to report the broker down",
        )
        # then readiness passes all along, saying the broker is down,
        assert set(statuses) == {200}, statuses
        # and submissions are accepted (the job row is the outbox)
        job = platform.submit({"type": "demo.noop"})
        assert job["state"] == "queued"
    finally:
        own_redis.start()
    # and once the broker is back, readiness says so, and the job runs
    wait_until(lambda: broker_check() == "ok", timeout=30, message="/readyz to see the broker")
    assert set(statuses) == {200}, statuses
    platform.wait_final(job["id"], timeout=90)


def test_readiness_fails_while_the_database_is_down(
    api_pod: ApiPod, outage_platform: Platform, own_postgres: OwnPostgres
) -> None:
    platform = outage_platform
    assert send_probe(platform, api_pod.readiness).status_code == 200
    # when PostgreSQL stops
    own_postgres.stop()
    try:
        # then readiness fails (the API cannot accept work), saying why,
        response = wait_until(
            lambda: (r := send_probe(platform, api_pod.readiness)).status_code == 503 and r,
            timeout=30,
            message="/readyz to answer 503",
        )
        assert isinstance(response, httpx.Response)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["checks"]["database"].startswith("database unavailable")
        # while liveness passes (a restart would not bring the database back)
        assert send_probe(platform, api_pod.liveness).status_code == 200
    finally:
        own_postgres.start()
    # and once the database is back, readiness passes again
    wait_until(
        lambda: send_probe(platform, api_pod.readiness).status_code == 200,
        timeout=60,
        message="/readyz to answer 200 again",
    )
