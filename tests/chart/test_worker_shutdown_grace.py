"""A worker pool's shutdown grace follows its pool: a scale-down lets running jobs finish.

The pod's terminationGracePeriodSeconds is the pool's maxJobSeconds plus its margin; the
worker's own deadline (CONVEYOR_SHUTDOWN_GRACE_SECONDS, after which it hands running jobs
back) must follow it, or the kubelet waits an hour for a worker that gave up after 25 s.
"""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest

from tests import shared_services as services
from tests.chart.conftest import Render
from tests.chart.objects import find
from tests.chart.test_chart import EXTERNAL
from tests.procs import BIN, Proc, free_port, wait_until
from tools.helm import Obj


def _worker(objects: list[Obj], pool: str) -> tuple[Obj, Obj]:
    """(pod spec, worker container) of the pool's Deployment."""
    deployment = find(objects, "Deployment", f"conveyor-worker-{pool}")[0]
    spec = deployment["spec"]["template"]["spec"]
    return spec, next(c for c in spec["containers"] if c["name"] == "worker")


def _env(container: Obj) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def test_each_pools_shutdown_grace_is_just_under_its_termination_grace(render: Render) -> None:
    # given two pools with different longest jobs and margins
    objects = render(
        {
            "workers": {
                "pools": {
                    "default": {"queues": ["default", "conveyor"]},
                    "short": {
                        "queues": ["short"],
                        "maxJobSeconds": 30,
                        "terminationMarginSeconds": 10,
                    },
                }
            }
        }
    )
    # then each worker lets jobs run for the pool's longest job and half the margin,
    # leaving the other half to hand back what still runs before the kubelet's SIGKILL
    for pool, expected_grace, expected_shutdown in (("default", 3660, 3630), ("short", 40, 35)):
        spec, container = _worker(objects, pool)
        assert spec["terminationGracePeriodSeconds"] == expected_grace, pool
        shutdown = int(_env(container)["CONVEYOR_SHUTDOWN_GRACE_SECONDS"])
        assert shutdown == expected_shutdown, pool
        assert expected_grace - shutdown >= 5, pool


def test_the_margin_must_leave_time_to_hand_jobs_back(render: Render) -> None:
    with pytest.raises(Exception, match="terminationMarginSeconds"):
        render({"workers": {"defaults": {"terminationMarginSeconds": 0}}})


# ---- the rendered worker, run for real ------------------------------------------------


@pytest.mark.e2e
@pytest.mark.services
@pytest.mark.timeout(240)
def test_a_sigtermed_worker_of_the_chart_finishes_a_job_longer_than_the_default_grace(
    render: Render,
) -> None:
    from tests.e2e.platform import Platform

    services.require("postgres")
    services.require("redis")
    # given the chart's worker for a pool whose longest job is 30 s (grace 40 s), run with
    # the rendered container's exact args and env; only host paths, the metrics port and
    # the credentials (Secrets in a cluster) are this machine's
    objects = render(
        {
            **EXTERNAL,
            "workers": {
                "pools": {
                    "default": {"queues": ["default", "conveyor"]},
                    "slow": {
                        "queues": ["slow"],
                        "concurrency": 1,
                        "maxJobSeconds": 30,
                        "terminationMarginSeconds": 10,
                    },
                }
            },
        }
    )
    config = find(objects, "ConfigMap", "conveyor-config")[0]["data"]
    spec, container = _worker(objects, "slow")
    assert spec["terminationGracePeriodSeconds"] == 40
    with Platform.running("redis", extra_env={"CONVEYOR_EXTRA_QUEUES": "idle,slow"}) as platform:
        secrets = {
            "secret-key": platform.env["SECRET_KEY"],
            "database-url": platform.env["DATABASE_URL"],
            "broker-url": platform.env["BROKER_URL"],
        }
        env = {k: v for k, v in platform.env.items() if not k.startswith("CONVEYOR_SHUTDOWN")}
        env.update(config)
        for entry in container["env"]:
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            env[entry["name"]] = secrets[ref["key"]] if ref else entry["value"]
        env.update(
            CONVEYOR_DATA_DIR=str(platform.data_dir),
            CONVEYOR_HEARTBEAT_FILE=str(platform.data_dir / "slow.heartbeat"),
            CONVEYOR_WORKER_METRICS_PORT=str(free_port()),
            CONVEYOR_BROKER_KEY_PREFIX=platform.env["CONVEYOR_BROKER_KEY_PREFIX"],
        )
        args = [str(BIN / container["args"][0]), *container["args"][1:], "-n", "slow@%h"]
        worker = Proc("slow", args, env, platform.data_dir / "slow.log").start()
        platform.procs["slow"] = worker  # stopped with the platform
        platform.wait_worker_ready("slow")
        job = platform.submit(
            {"type": "demo.sleep", "params": {"seconds": 30, "steps": 30}, "queue": "slow"}
        )
        platform.wait_state(job["id"], "running", timeout=60)

        # when the kubelet's SIGTERM reaches the worker's main process (tini, without -g)
        os.kill(worker.pid, signal.SIGTERM)

        # then the worker exits only once the job is done, within the pod's grace
        wait_until(lambda: not worker.alive(), timeout=40 + 10, message="the worker to exit")
        done = platform.get(job["id"])
        assert done["state"] == "succeeded", (done, worker.log_tail(60))
        assert done["attempts"] == 1, done
        assert worker.popen is not None
        assert worker.popen.returncode == 0, worker.log_tail(60)
