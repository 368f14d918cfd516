"""A 1,000-job fan-out/fan-in workflow finishes, its fan-in run exactly once, while
workers are killed (-9, pool child and main process) and the broker restarts empty.

Several workers end the parts at once, so many outcomes race to release the one fan-in
job; a worker killed mid-outcome leaves its transaction uncommitted (the part runs
again); the broker's restart loses the messages of released and queued jobs (the
reconciler sends them again). At the end the workflow has succeeded, every part
succeeded once, and the fan-in ran once, given all 998 parts' results.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest

from tests.faults.harness import TERMINAL_OUTCOMES
from tests.faults.test_faults import (
    break_broker,
    children,
    fault_platform,
    restore_broker,
    start_probed_worker,
)
from tests.private_services import OwnPostgres, OwnRedis
from tests.procs import wait_until

pytestmark = pytest.mark.timeout(600)
PARTS = 998  # with the split and the join: 1,000 jobs


def workflow_body() -> dict[str, Any]:
    parts = [
        {
            "id": f"part-{n}",
            "type": "demo.sleep",
            "params": {"seconds": 0.02 + (n % 5) / 100, "steps": 1},
            "max_attempts": 5,
            "depends_on": ["split"],
        }
        for n in range(PARTS)
    ]
    return {
        "name": "fan-out fan-in under faults",
        "jobs": [
            {"id": "split", "type": "demo.noop"},
            *parts,
            {
                "id": "join",
                "type": "demo.gather",
                "depends_on": [p["id"] for p in parts],
                "results_param": "inputs",
            },
        ],
    }


def test_a_fan_in_of_a_thousand_jobs_runs_once_under_kills_and_a_broker_restart(
    broker_kind: str, own_postgres: OwnPostgres, own_redis: OwnRedis
) -> None:
    with fault_platform(broker_kind, own_postgres, own_redis) as platform:
        # given two workers and the workflow
        start_probed_worker(platform, "worker2")
        response = platform.http.post(
            f"{platform.base_url}/v1/workflows", json=workflow_body(), headers=platform.headers()
        )
        assert response.status_code == 201, response.text
        workflow_id = response.json()["id"]

        def parts_done() -> int:
            rows = platform.sql(
                "SELECT count(*) FROM jobs_job WHERE workflow_id = %s AND state = 'succeeded'",
                workflow_id,
            )
            return int(rows[0][0])

        def wait_parts(count: int) -> None:
            wait_until(
                lambda: parts_done() >= count,
                timeout=180,
                interval=0.2,
                message=f"{count} jobs of the workflow to succeed",
            )

        # when a pool process of one worker is killed mid-run
        wait_parts(150)
        os.kill(children(platform.procs["worker"].pid)[0], signal.SIGKILL)
        # and the broker restarts empty
        wait_parts(350)
        with platform.probes_held():
            break_broker(platform, own_redis)
            restore_broker(platform, own_redis)
        platform.wait_consuming("worker", since=time.time())
        # and the other worker's main process is killed, another taking its place
        wait_parts(550)
        os.kill(platform.procs["worker2"].pid, signal.SIGKILL)
        start_probed_worker(platform, "worker3")

        # then the workflow succeeds
        def final() -> dict[str, Any] | None:
            body = platform.http.get(
                f"{platform.base_url}/v1/workflows/{workflow_id}", headers=platform.headers()
            ).json()
            return body if body["state"] != "running" else None

        try:
            workflow = wait_until(final, timeout=300, interval=0.5, message="the workflow to end")
        except TimeoutError:
            counts = platform.sql("SELECT state, count(*) FROM jobs_job GROUP BY state")
            raise AssertionError(f"{counts}\n{platform.logs()}") from None
        assert isinstance(workflow, dict)
        assert workflow["state"] == "succeeded", workflow["job_states"]
        assert workflow["job_states"] == {"succeeded": PARTS + 2}
        # every job ended once (a killed attempt is a rerun, never a second outcome)
        twice = platform.sql(
            "SELECT j.id FROM jobs_job j JOIN jobs_jobattempt a ON a.job_id = j.id "
            "WHERE j.workflow_id = %s AND a.outcome = ANY(%s) GROUP BY j.id HAVING count(*) > 1",
            workflow_id,
            list(TERMINAL_OUTCOMES),
        )
        assert twice == []
        # the fan-in ran once, with every part's result
        (join,) = [s["job"] for s in workflow["jobs"] if s["id"] == "join"]
        attempts = platform.sql("SELECT outcome FROM jobs_jobattempt WHERE job_id = %s", join["id"])
        assert attempts == [("succeeded",)]
        assert join["result"] == {"inputs": PARTS, "succeeded": PARTS}
