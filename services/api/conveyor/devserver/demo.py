"""The demo jobs ``make run`` submits over HTTP, followed until they are final."""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from typing import Any, TextIO

from conveyor.devserver.client import Api
from conveyor.devserver.summary import Table, say
from conveyor.devserver.supervise import POLL_SECONDS, Supervisor
from conveyor.jobs.states import FINAL_STATES

DEMO_DEADLINE_SECONDS = 180.0


def demo_jobs(base: str, run: str) -> list[dict[str, Any]]:
    labels = {"source": "make-run", "demo-run": run}
    return [
        {"type": "demo.sleep", "params": {"seconds": 3, "steps": 6}, "labels": labels},
        {"type": "demo.sleep", "params": {"seconds": 5, "steps": 10}, "labels": labels},
        {"type": "demo.sleep", "params": {"seconds": 7, "steps": 14}, "labels": labels},
        {"type": "demo.cpu", "params": {"iterations": 2_000_000}, "labels": labels},
        {"type": "demo.noop", "labels": labels},
        # conveyor's own address is loopback: refused, so the job fails with a clear error.
        {"type": "http.request", "params": {"url": f"{base}/healthz"}, "labels": labels},
    ]


def run_demo(api: Api, supervisor: Supervisor, out: TextIO) -> list[dict[str, Any]]:
    """Submit the demo jobs and show them until all are final (or the deadline passes)."""
    run = secrets.token_hex(4)
    ids: list[str] = []
    for spec in demo_jobs(api.base, run):
        status, body = api.call("POST", "/v1/jobs", spec)
        if status != 201:
            raise RuntimeError(f"submitting a {spec['type']} job answered {status}: {body}")
        ids.append(body["id"])
    say(out, f"submitted {len(ids)} demo jobs (label demo-run={run}); following them:")
    table = Table(out)
    started = time.monotonic()
    latest: dict[str, dict[str, Any]] = {}
    while True:
        for job_id in ids:
            if job_id in latest and latest[job_id]["state"] in FINAL_STATES:
                continue
            status, body = api.call("GET", f"/v1/jobs/{job_id}")
            if status != 200:
                raise RuntimeError(f"reading demo job {job_id} answered {status}: {body}")
            latest[job_id] = body
        jobs = [latest[job_id] for job_id in ids]
        table.show(jobs)
        if jobs and all(j["state"] in FINAL_STATES for j in jobs):
            return jobs
        if time.monotonic() - started > DEMO_DEADLINE_SECONDS:
            say(
                out,
                f"some demo jobs are not final after {DEMO_DEADLINE_SECONDS:.0f} s; "
                "see the worker's log",
            )
            return jobs
        supervisor.wait(POLL_SECONDS)


def demo_outcome(jobs: Sequence[dict[str, Any]], out: TextIO) -> None:
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job["state"]] = counts.get(job["state"], 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    if all(j["state"] in FINAL_STATES for j in jobs):
        say(out, f"all {len(jobs)} demo jobs are final: {summary}")
    for job in jobs:
        if job["state"] == "failed" and job["type"] == "http.request":
            say(
                out,
                f"the http.request job failed on purpose (its URL is loopback): "
                f"{job['error']['type']}: {job['error']['message']}",
            )
