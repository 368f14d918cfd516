"""pod-deletion-cost through the real ``kubernetes`` client, against a local HTTP server
that stands in for the API server and records every request."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from kubernetes import client

from conveyor_worker.deletion_cost import ANNOTATION, DeletionCostReporter, from_environment
from tests.procs import wait_until


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class StandIn:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def api_server() -> Iterator[StandIn]:
    stand_in = StandIn(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_PATCH(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"null")
            stand_in.requests.append(
                Recorded("PATCH", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            reply = json.dumps({"kind": "Pod", "apiVersion": "v1", "metadata": {}}).encode()
            self.send_response(stand_in.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stand_in
    server.shutdown()
    server.server_close()


def core_api(url: str) -> Any:
    configuration = client.Configuration()
    configuration.host = url
    # as load_incluster_config sets it from the service account's token
    configuration.api_key = {"authorization": "Bearer test-token"}
    return client.CoreV1Api(client.ApiClient(configuration))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_patches_only_its_own_pod_with_the_running_job_count(api_server: StandIn) -> None:
    # given
    reporter = DeletionCostReporter(
        api=core_api(api_server.url), namespace="jobs", pod="conveyor-worker-abc", min_interval=0
    )
    # when the worker goes idle -> busy with 3 jobs -> idle
    for running in (0, 3, 0):
        assert reporter.update(running)
    # then three merge patches of the pod's annotation, to this pod only
    assert [r.path for r in api_server.requests] == [
        "/api/v1/namespaces/jobs/pods/conveyor-worker-abc"
    ] * 3
    assert [r.body for r in api_server.requests] == [
        {"metadata": {"annotations": {ANNOTATION: value}}} for value in ("0", "3", "0")
    ]
    first = api_server.requests[0]
    assert first.headers["content-type"] == "application/merge-patch+json"
    assert first.headers["authorization"] == "Bearer test-token"


def test_rate_limited_and_sends_only_changes(api_server: StandIn) -> None:
    clock = Clock()
    reporter = DeletionCostReporter(
        api=core_api(api_server.url), namespace="jobs", pod="p", min_interval=5, clock=clock
    )
    assert reporter.update(1)
    # changes within the interval wait ...
    for running in (2, 3, 4):
        clock.now += 1
        assert not reporter.update(running)
    clock.now = 105.0
    assert reporter.update(4)  # the latest value, once the interval is over
    # an unchanged value is never sent again
    clock.now = 200.0
    assert not reporter.update(4)
    sent = [r.body["metadata"]["annotations"][ANNOTATION] for r in api_server.requests]
    assert sent == ["1", "4"]


def test_a_failing_api_server_never_raises(api_server: StandIn) -> None:
    api_server.status = 403
    clock = Clock()
    reporter = DeletionCostReporter(
        api=core_api(api_server.url), namespace="jobs", pod="p", min_interval=5, clock=clock
    )
    assert not reporter.update(2)
    assert not reporter.update(2)  # retried only after the interval
    assert len(api_server.requests) == 1
    api_server.status = 200
    clock.now += 5
    assert reporter.update(2)


def test_the_thread_follows_the_running_count(api_server: StandIn) -> None:
    reporter = DeletionCostReporter(
        api=core_api(api_server.url), namespace="jobs", pod="p", min_interval=0.1
    )
    running = [0]
    stop = threading.Event()
    thread = threading.Thread(target=reporter.run, args=(lambda: running[0], stop), daemon=True)
    thread.start()
    try:
        wait_until(lambda: reporter.sent == 0, timeout=10, message="the idle cost")
        running[0] = 2
        wait_until(lambda: reporter.sent == 2, timeout=10, message="the busy cost")
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"POD_NAME": "p", "POD_NAMESPACE": "jobs"},  # not in a cluster
        {
            "POD_NAME": "p",
            "POD_NAMESPACE": "jobs",
            "KUBERNETES_SERVICE_HOST": "10.0.0.1",
            "CONVEYOR_POD_DELETION_COST": "off",
        },
    ],
)
def test_off_outside_a_cluster_or_when_turned_off(env: dict[str, str]) -> None:
    assert from_environment(env) is None


def test_on_demands_a_cluster() -> None:
    with pytest.raises(RuntimeError, match="POD_NAME"):
        from_environment({"CONVEYOR_POD_DELETION_COST": "on"})
