"""Demo job types: for demos, load tests, autoscaling tests and benchmarks."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from pydantic import Field

from conveyor.jobs.types import JobContext, JobParams, NoParams, RetryPolicy, job_type


class SleepParams(JobParams):
    seconds: float = Field(ge=0, le=3600, description="how long to sleep")
    steps: int = Field(default=10, ge=1, le=1000, description="progress updates along the way")


@job_type(
    "demo.sleep",
    params=SleepParams,
    time_limit=timedelta(hours=1),
    retry=RetryPolicy(max_attempts=3),
)
def sleep(ctx: JobContext, params: SleepParams) -> dict[str, float]:
    """Sleep in steps, reporting progress and stopping early when cancelled."""
    step = params.seconds / params.steps
    for index in range(params.steps):
        ctx.sleep(step)
        ctx.progress(100 * (index + 1) / params.steps, f"step {index + 1} of {params.steps}")
    return {"slept_seconds": params.seconds}


class CpuParams(JobParams):
    iterations: int = Field(ge=1, le=100_000_000, description="SHA-256 rounds to compute")


@job_type("demo.cpu", params=CpuParams, time_limit=timedelta(minutes=10))
def cpu(ctx: JobContext, params: CpuParams) -> dict[str, str]:
    """Burn CPU: chain SHA-256 over its own digest."""
    digest = b"conveyor"
    check_every = 100_000
    for index in range(params.iterations):
        digest = hashlib.sha256(digest).digest()
        if index % check_every == 0:
            ctx.raise_if_cancelled()
    return {"digest": digest.hex()}


@job_type("demo.noop", params=NoParams, time_limit=timedelta(minutes=1))
def noop(ctx: JobContext, params: NoParams) -> None:
    """Return at once (for throughput benchmarks)."""
    return
