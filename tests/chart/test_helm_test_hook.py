"""`helm test`: a hook pod submits a job through the API Service and waits for it.

The pod's script (files/helm-test.py) also runs here against a stand-in API on loopback.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import yaml

from tests.chart.conftest import Render
from tests.chart.objects import find
from tools import helm
from tools.helm import Obj

SCRIPT = helm.CHART / "files" / "helm-test.py"


def hook_pod(render: Render, values: dict[str, Any] | None = None) -> Obj | None:
    pods = [
        p
        for p in find(render(values), "Pod")
        if p["metadata"].get("annotations", {}).get("helm.sh/hook") == "test"
    ]
    assert len(pods) <= 1
    return pods[0] if pods else None


def test_the_hook_pod_submits_through_the_api_service_with_the_named_key(
    render: Render,
) -> None:
    pod = hook_pod(render, {"tests": {"existingSecret": "conveyor-test-key", "key": "token"}})
    assert pod is not None
    assert pod["metadata"]["annotations"]["helm.sh/hook-delete-policy"] == "before-hook-creation"
    spec = pod["spec"]
    assert spec["restartPolicy"] == "Never"
    (container,) = spec["containers"]
    assert container["args"][:2] == ["python", "-c"]
    assert container["args"][2] == SCRIPT.read_text()
    env = {e["name"]: e for e in container["env"]}
    (service,) = [s for s in find(render(), "Service") if s["metadata"]["name"] == "conveyor-api"]
    assert env["CONVEYOR_URL"]["value"] == (
        f"http://conveyor-api.{helm.NAMESPACE}.svc.cluster.local:{service['spec']['ports'][0]['port']}"
    )
    assert env["CONVEYOR_API_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "conveyor-test-key",
        "key": "token",
    }
    assert env["CONVEYOR_TIMEOUT_SECONDS"]["value"] == "120"


def test_without_a_secret_the_pod_has_no_key(render: Render) -> None:
    pod = hook_pod(render)
    assert pod is not None
    names = {e["name"] for e in pod["spec"]["containers"][0]["env"]}
    assert "CONVEYOR_API_KEY" not in names


def test_the_hook_pod_can_be_turned_off(render: Render) -> None:
    assert hook_pod(render, {"tests": {"enabled": False}}) is None


# ---- the script, against a stand-in API ------------------------------------------------


class FakeApi(BaseHTTPRequestHandler):
    """/readyz, POST /v1/jobs and GET /v1/jobs/<id>?wait=N; the job ends in ``final``."""

    final = "succeeded"
    seen: list[tuple[str, str, str | None]] = []

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.seen.append(("GET", self.path, self.headers.get("Authorization")))
        if self.path == "/readyz":
            self._send(200, {"status": "ready"})
        elif self.path.startswith("/v1/jobs/j1?wait="):
            self._send(200, {"id": "j1", "state": self.final})
        else:
            self._send(404, {})

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        self.seen.append(("POST", self.path, self.headers.get("Authorization")))
        assert body == {"type": "demo.noop", "params": {}}
        self._send(201, {"id": "j1", "state": "queued"})

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def api() -> Iterator[str]:
    FakeApi.seen = []
    FakeApi.final = "succeeded"
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def run_script(url: str, key: str | None, demo: str = "true") -> subprocess.CompletedProcess[str]:
    env = {"CONVEYOR_URL": url, "CONVEYOR_TIMEOUT_SECONDS": "10", "CONVEYOR_DEMO_JOB_TYPES": demo}
    if key is not None:
        env["CONVEYOR_API_KEY"] = key
    return subprocess.run(
        [sys.executable, "-c", SCRIPT.read_text()],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_script_submits_a_job_and_waits_for_it(api: str) -> None:
    result = run_script(api, "k3y")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "job j1: succeeded" in result.stdout
    assert ("POST", "/v1/jobs", "Bearer k3y") in FakeApi.seen
    assert any(m == "GET" and p.startswith("/v1/jobs/j1?wait=") for m, p, _ in FakeApi.seen)


def test_script_fails_when_the_job_fails(api: str) -> None:
    FakeApi.final = "failed"
    result = run_script(api, "k3y")
    assert result.returncode == 1
    assert "job j1: failed" in result.stdout


def test_script_without_a_key_checks_readiness_and_says_it_skipped(api: str) -> None:
    result = run_script(api, None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SKIPPED the job round trip: tests.existingSecret is not set" in result.stdout
    assert [p for _, p, _ in FakeApi.seen] == ["/readyz"]


def test_script_without_demo_job_types_checks_readiness_and_says_it_skipped(api: str) -> None:
    result = run_script(api, "k3y", demo="false")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SKIPPED the job round trip: the demo job types are off" in result.stdout
    assert [p for _, p, _ in FakeApi.seen] == ["/readyz"]


def test_the_pod_knows_whether_the_demo_job_types_are_on(render: Render) -> None:
    for on in (False, True):
        pod = hook_pod(render, {"config": {"demoJobTypes": on}})
        assert pod is not None
        env = {e["name"]: e.get("value") for e in pod["spec"]["containers"][0]["env"]}
        assert env["CONVEYOR_DEMO_JOB_TYPES"] == str(on).lower()


def test_script_fails_when_the_api_is_unreachable() -> None:
    result = run_script("http://127.0.0.1:9", "k3y")
    assert result.returncode == 1
    assert "FAILED" in result.stdout


def test_a_network_policy_lets_the_hook_pod_reach_only_dns_and_the_api(render: Render) -> None:
    objects = render()
    pod = hook_pod(render)
    assert pod is not None
    labels = pod["metadata"]["labels"]
    (policy,) = [
        p
        for p in find(objects, "NetworkPolicy")
        if p["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
    ]
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in policy["spec"]
    dns, api = policy["spec"]["egress"]
    assert {p["port"] for p in dns["ports"]} == {53}
    (api_pods,) = [
        d for d in find(objects, "Deployment") if d["metadata"]["name"] == "conveyor-api"
    ]
    selector = api["to"][0]["podSelector"]["matchLabels"]
    assert selector.items() <= api_pods["spec"]["template"]["metadata"]["labels"].items()
    off = render({"networkPolicy": {"enabled": False}})
    assert not [p for p in find(off, "NetworkPolicy") if p["metadata"]["name"] == "conveyor-test"]


def test_the_plain_manifests_carry_no_test_pod() -> None:
    # kubectl has no `helm test`: applied, the pod would run at every apply
    documents = yaml.safe_load_all((helm.REPO / "deploy" / "k8s" / "conveyor.yaml").read_text())
    hooks = [
        d["metadata"]["name"]
        for d in documents
        if d and (d["metadata"].get("annotations") or {}).get("helm.sh/hook") == "test"
    ]
    assert not hooks
