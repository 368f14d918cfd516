"""The API's probes as the kubelet sends them, to gunicorn started as the chart starts it.

Liveness and readiness must be answered within the probe's own ``timeoutSeconds`` while
clients long-poll with as many requests as the pod has threads, or twice as many (a
probe that times out counts as failed: the pod leaves the Service, or is restarted).
Readiness follows what the API needs to accept work: the database, not the broker (a
submission is stored while the broker is down, and the reconciler publishes it later).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
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
    """What the rendered api Deployment runs: gunicorn's settings and the probes."""

    gunicorn: dict[str, str]
    liveness: Probe
    readiness: Probe

    @property
    def workers(self) -> int:
        return int(self.gunicorn["GUNICORN_WORKERS"])

    @property
    def threads(self) -> int:
        return int(self.gunicorn["GUNICORN_THREADS"])


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
        if e["name"].startswith("GUNICORN_") and e["name"] != "GUNICORN_BIND"
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


LOADS: dict[str, Callable[[ApiPod], int]] = {
    "ten long-polls": lambda pod: 10,
    "twice as many long-polls as threads": lambda pod: 2 * pod.workers * pod.threads,
}


@pytest.mark.parametrize("load", list(LOADS))
def test_probes_are_answered_within_their_timeout_while_long_polls_fill_the_threads(
    api_pod: ApiPod, loaded_platform: Platform, load: str
) -> None:
    platform = loaded_platform
    count = LOADS[load](api_pod)
    assert count >= api_pod.workers * api_pod.threads
    # given jobs that do not end (no worker consumes "idle"), each long-polled by its own
    # client for three times the probes' timeout
    timeout = max(api_pod.liveness.timeout_seconds, api_pod.readiness.timeout_seconds)
    wait = 3 * timeout
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

    shortened_before = shortened_total(platform)
    log = ProbeLog()
    with ThreadPoolExecutor(count) as pool:
        polls: list[Future[httpx.Response]] = [pool.submit(long_poll, job) for job in jobs]
        # when the kubelet probes liveness and readiness until every long-poll is answered
        while not all(p.done() for p in polls):
            log.in_flight.append(sum(not p.done() for p in polls))
            log.send(platform, api_pod.liveness)
            log.send(platform, api_pod.readiness)
            wait_futures(polls, timeout=PROBE_PERIOD_SECONDS)
        answers = [p.result() for p in polls]

    # then every probe was answered within its timeout,
    assert not log.failures, f"{len(log.failures)} probes failed: {log.failures[:6]}"
    # and every long-poll got the job, queued still; those beyond the per-process limit
    # (threads - 1) at once, saying their wait was shortened,
    outcomes = [(a.status_code, a.json().get("state")) for a in answers]
    assert set(outcomes) == {(200, "queued")}, outcomes
    held = [a for a in answers if SHORTENED_HEADER not in a.headers]
    shortened = [a for a in answers if a.headers.get(SHORTENED_HEADER) == "true"]
    assert len(held) + len(shortened) == count
    assert 1 <= len(held) <= api_pod.workers * (api_pod.threads - 1)
    # counted on /metrics,
    assert shortened_total(platform) - shortened_before == len(shortened)
    # and probes were made while every held long-poll waited
    assert sum(1 for n in log.in_flight if n >= len(held)) >= 3, log.in_flight


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
