"""The chart's api, worker and beat, run for real in containers with ``podman kube play``.

The chart is rendered for local use (an external database and broker: this machine's
PostgreSQL and Redis), and its workloads are adapted only where podman or this host
differ from a cluster:

- pods use the host's network, since PostgreSQL and Redis listen on 127.0.0.1 and podman
  has no Services; the api binds a free port, the worker's metrics another;
- the ConfigMap and Secret are inlined into each container's env (podman 4.3's kube play
  knows neither kind);
- probes are dropped: podman turns them into healthchecks run by systemd timers, and
  there is no systemd here (the probe commands themselves are run by hand below);
- the migrations Job's pod runs as a Pod (kube play has no Jobs) before the others;
- init containers are of podman's "always" type (see ``_local_pod``).

Then a job goes in through the api container's published port and succeeds in the worker
container; then the worker container gets SIGTERM mid-job and the job still succeeds.
"""

from __future__ import annotations

import copy
import json
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import yaml

from tests import shared_services as services
from tests.chart.objects import find
from tests.procs import free_port, wait_until
from tools.helm import Obj, render

pytestmark = [pytest.mark.services, pytest.mark.timeout(900)]


def _require_podman() -> None:
    if shutil.which("podman") and shutil.which("debootstrap"):
        return
    message = "podman or debootstrap is not installed (apt-get install podman runc debootstrap …)"
    if services.IN_CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def _podman(*args: str, check: bool = True, timeout: float = 180) -> str:
    from tools.image import podman_env

    result = subprocess.run(
        ["podman", *args],
        env=podman_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def downward(field: str, owner: Obj) -> str:
    """A downward-API field for a pod on this host (host network, so the pod IP is local)."""
    values = {
        "status.podIP": "127.0.0.1",
        "metadata.name": owner["metadata"]["name"],
        "metadata.namespace": owner["metadata"].get("namespace", "default"),
    }
    return str(values[field])


def _local_pod(
    owner: Obj, config: dict[str, str], secret: dict[str, str], env: dict[str, str]
) -> Obj:
    """The pod of a rendered workload, adapted to podman on this host (see the module doc)."""
    spec = copy.deepcopy(owner["spec"]["template"]["spec"])
    spec["hostNetwork"] = True
    if owner["kind"] == "Job":
        spec["restartPolicy"] = "Never"
    for container in spec.get("initContainers", []) + spec["containers"]:
        resolved: dict[str, str] = {}
        for source in container.pop("envFrom", []):
            assert "configMapRef" in source, source
            resolved.update(config)
        for entry in container.get("env", []):
            source = entry.get("valueFrom", {})
            if "secretKeyRef" in source:
                resolved[entry["name"]] = secret[source["secretKeyRef"]["key"]]
            elif "fieldRef" in source:  # the downward API, as the kubelet would fill it
                resolved[entry["name"]] = downward(source["fieldRef"]["fieldPath"], owner)
            else:
                resolved[entry["name"]] = entry["value"]
        resolved.update({k: v for k, v in env.items() if k in resolved})
        container["env"] = [{"name": k, "value": v} for k, v in resolved.items()]
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            container.pop(probe, None)
        container.pop("ports", None)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": owner["metadata"]["name"],
            "labels": owner["metadata"]["labels"],
            # podman 4.3 removes "once" init containers racily ("cannot remove container
            # ... as it is running"); "always" ones are kept and rerun on pod restarts.
            "annotations": {"io.podman.annotations.init.container.type": "always"},
        },
        "spec": spec,
    }


class Deployment:
    """The rendered chart, played in podman; torn down by ``down``."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.files: list[Path] = []

    def play(self, name: str, pods: list[Obj]) -> None:
        path = self.workdir / f"{name}.yaml"
        path.write_text(yaml.safe_dump_all(pods, sort_keys=False))
        self.files.append(path)
        _podman("kube", "play", str(path))

    def down(self) -> None:
        for path in reversed(self.files):
            _podman("kube", "down", str(path), check=False, timeout=120)


@pytest.fixture(scope="module")
def image() -> str:
    _require_podman()
    from tools.image import build

    return build()


@pytest.fixture(scope="module")
def platform(image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    services.require("postgres")
    services.require("redis")
    run = uuid.uuid4().hex[:8]
    release = f"smoke{run}"
    database = f"conveyor_smoke_{run}"
    prefix = f"conveyor-smoke-{run}:"
    with psycopg.connect(services.PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    repository, tag = image.rsplit(":", 1)
    values = {
        "image": {"repository": repository, "tag": tag, "pullPolicy": "Never"},
        "hooks": {"enabled": False},
        "secretKey": {"existingSecret": "smoke"},
        "postgresql": {"enabled": False},
        "externalDatabase": {"existingSecret": "smoke"},
        "redis": {"enabled": False},
        "externalBroker": {"existingSecret": "smoke"},
        "keda": {"enabled": False},
        "networkPolicy": {"enabled": False},
        # The smoke runs demo.sleep jobs.
        "config": {"demoJobTypes": True, "extraEnv": {"CONVEYOR_BROKER_KEY_PREFIX": prefix}},
        "workers": {"pools": {"default": {"concurrency": 2, "maxJobSeconds": 120}}},
        "migrations": {"waitSeconds": 60},
    }
    objects = render(values, name=release, namespace="smoke")
    config = find(objects, "ConfigMap")[0]["data"]
    secret = {
        "secret-key": secrets.token_urlsafe(32),
        "database-url": services.pg_database_url(database),
        "broker-url": services.REDIS_URL,
    }
    api_port, metrics_port = free_port(), free_port()
    env = {
        "GUNICORN_BIND": f"127.0.0.1:{api_port}",
        "GUNICORN_WORKERS": "1",
        "CONVEYOR_WORKER_METRICS_PORT": str(metrics_port),
    }
    names = {
        "api": f"{release}-conveyor-api",
        "worker": f"{release}-conveyor-worker-default",
        "beat": f"{release}-conveyor-beat",
        "migrate": f"{release}-conveyor-migrate",
    }
    deployment = Deployment(tmp_path_factory.mktemp("podman"))
    try:
        job = find(objects, "Job", names["migrate"])[0]
        deployment.play("migrate", [_local_pod(job, config, secret, env)])
        assert _podman("wait", f"{names['migrate']}-migrate", timeout=300).strip() == "0", _podman(
            "logs", f"{names['migrate']}-migrate", check=False
        )
        workloads = [find(objects, "Deployment", names[c])[0] for c in ("api", "worker", "beat")]
        deployment.play("workloads", [_local_pod(w, config, secret, env) for w in workloads])
        base_url = f"http://127.0.0.1:{api_port}"
        wait_until(lambda: _ready(base_url), timeout=180, message="the api container is ready")
        key = _podman(
            "exec",
            f"{names['api']}-api",
            "conveyor",
            "create_api_client",
            "smoke",
            "--scopes",
            "jobs:read,jobs:write,queues:read",
            "--key-only",
        ).strip()
        yield {"base_url": base_url, "key": key, "containers": names, "env": env}
    finally:
        deployment.down()
        with psycopg.connect(services.PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        import redis

        client = redis.Redis.from_url(services.REDIS_URL)
        for found in client.scan_iter(f"{prefix}*"):
            client.delete(found)


def _ready(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/readyz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _submit(platform: dict[str, Any], body: dict[str, Any]) -> str:
    response = httpx.post(
        f"{platform['base_url']}/v1/jobs",
        json=body,
        headers={"Authorization": f"Bearer {platform['key']}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _job(platform: dict[str, Any], job_id: str, wait: int = 0) -> dict[str, Any]:
    response = httpx.get(
        f"{platform['base_url']}/v1/jobs/{job_id}",
        params={"wait": wait} if wait else None,
        headers={"Authorization": f"Bearer {platform['key']}"},
        timeout=wait + 10,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _wait_state(
    platform: dict[str, Any], job_id: str, states: set[str], timeout: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = _job(platform, job_id, wait=5)
        if job["state"] in states:
            return job
        assert time.monotonic() < deadline, f"job {job_id} never reached {states}: {job}"


def test_the_image_holds_the_extras_its_pods_need(image):
    # flower (the chart's flower.enabled) and kubernetes (the workers' pod-deletion-cost)
    # are in; the embedded broker's SQLAlchemy (`make run` only) is not
    script = (
        "import importlib.util as u; "
        "print(*[n for n in ('flower', 'kubernetes', 'sqlalchemy') if u.find_spec(n)])"
    )
    out = _podman("run", "--rm", "--network=none", image, "python", "-c", script)
    assert out.split() == ["flower", "kubernetes"], out


def test_a_job_submitted_to_the_api_container_succeeds_in_the_worker_container(platform):
    # given the chart's api, worker and beat running in podman
    # when
    job_id = _submit(platform, {"type": "demo.sleep", "params": {"seconds": 0.5, "steps": 1}})
    # then
    job = _wait_state(platform, job_id, {"succeeded", "failed", "cancelled"}, timeout=120)
    assert job["state"] == "succeeded", job
    assert job["result"] == {"slept_seconds": 0.5}


def test_the_worker_probe_passes_in_the_running_worker(platform):
    out = _podman(
        "exec",
        f"{platform['containers']['worker']}-worker",
        "python",
        "-m",
        "conveyor_worker.health",
    )
    assert out.startswith("alive"), out


def test_sigterm_to_the_worker_container_mid_job_still_ends_in_success(platform):
    # given a job running in the worker container
    job_id = _submit(platform, {"type": "demo.sleep", "params": {"seconds": 8, "steps": 8}})
    _wait_state(platform, job_id, {"running"}, timeout=60)
    worker = f"{platform['containers']['worker']}-worker"
    # when the container gets SIGTERM (what the kubelet sends on scale-down)
    _podman("kill", "--signal", "TERM", worker)
    # then the job still reaches success (finished by the warm shutdown, or run again)
    job = _wait_state(platform, job_id, {"succeeded", "failed", "cancelled"}, timeout=180)
    assert job["state"] == "succeeded", job
    logs = _podman("logs", worker, check=False) + json.dumps(job)
    assert "Warm shutdown" in logs or job["attempts"] > 1, logs[-3000:]
