"""Demo job types: for demos, load tests, autoscaling tests and benchmarks.

Their handlers are in ``conveyor_worker/handlers/demo.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from conveyor.jobs.types import JobParams, NoParams, RetryPolicy, job_type


class SleepParams(JobParams):
    seconds: float = Field(ge=0, le=3600, description="how long to sleep")
    steps: int = Field(default=10, ge=1, le=1000, description="progress updates along the way")


SLEEP = job_type(
    "demo.sleep",
    params=SleepParams,
    time_limit=timedelta(hours=1),
    retry=RetryPolicy(max_attempts=3),
    description="Sleep in steps, reporting progress and stopping early when cancelled.",
)


class CpuParams(JobParams):
    iterations: int = Field(ge=1, le=100_000_000, description="SHA-256 rounds to compute")


CPU = job_type(
    "demo.cpu",
    params=CpuParams,
    time_limit=timedelta(minutes=10),
    description="Burn CPU: chain SHA-256 over its own digest.",
)

NOOP = job_type(
    "demo.noop",
    params=NoParams,
    time_limit=timedelta(minutes=1),
    description="Return at once (for throughput benchmarks).",
)


class GatherParams(JobParams):
    inputs: dict[str, dict[str, Any]] = Field(
        description="the outcomes of the jobs it depends on, by name (a workflow's "
        "results_param): {name: {state, result | error}}"
    )


GATHER = job_type(
    "demo.gather",
    params=GatherParams,
    time_limit=timedelta(minutes=1),
    description="Count the outcomes a workflow's fan-in gives it (docs/workflows.md).",
)


class FanOutParams(JobParams):
    parts: int = Field(ge=1, le=999, description="how many demo.sleep jobs to spawn")
    seconds: float = Field(default=0.1, ge=0, le=60, description="how long each part sleeps")


FAN_OUT = job_type(
    "demo.fanout",
    params=FanOutParams,
    time_limit=timedelta(minutes=1),
    description="Spawn parts and a demo.gather that waits for them (dynamic fan-out, "
    "docs/workflows.md).",
)
