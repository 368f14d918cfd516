"""Handlers of the demo job types (``conveyor/jobtypes/demo.py``)."""

from __future__ import annotations

import hashlib

from conveyor.jobs.types import JobContext, NoParams
from conveyor.jobtypes.demo import (
    CPU,
    FAN_OUT,
    GATHER,
    NOOP,
    SLEEP,
    CpuParams,
    FanOutParams,
    GatherParams,
    SleepParams,
)
from conveyor_worker.registry import handler


@handler(SLEEP)
def sleep(ctx: JobContext, params: SleepParams) -> dict[str, float]:
    """Sleep in steps, reporting progress and stopping early when cancelled."""
    step = params.seconds / params.steps
    for index in range(params.steps):
        ctx.sleep(step)
        ctx.progress(100 * (index + 1) / params.steps, f"step {index + 1} of {params.steps}")
    return {"slept_seconds": params.seconds}


@handler(CPU)
def cpu(ctx: JobContext, params: CpuParams) -> dict[str, str]:
    """Burn CPU: chain SHA-256 over its own digest."""
    digest = b"conveyor"
    check_every = 100_000
    for index in range(params.iterations):
        digest = hashlib.sha256(digest).digest()
        if index % check_every == 0:
            ctx.raise_if_cancelled()
    return {"digest": digest.hex()}


@handler(NOOP)
def noop(ctx: JobContext, params: NoParams) -> None:
    """Return at once (for throughput benchmarks)."""
    return


@handler(GATHER)
def gather(ctx: JobContext, params: GatherParams) -> dict[str, int]:
    """Count the outcomes of the jobs a workflow's fan-in waited for, by state."""
    counts: dict[str, int] = {"inputs": len(params.inputs)}
    for outcome in params.inputs.values():
        state = str(outcome.get("state", "unknown"))
        counts[state] = counts.get(state, 0) + 1
    return counts


@handler(FAN_OUT)
def fan_out(ctx: JobContext, params: FanOutParams) -> dict[str, int]:
    """Spawn ``parts`` sleeps and a gather waiting for them, stored with this success."""
    names = [f"part-{n}" for n in range(params.parts)]
    for name in names:
        ctx.spawn(name, "demo.sleep", {"seconds": params.seconds, "steps": 1})
    ctx.spawn("gather", "demo.gather", depends_on=names, results_param="inputs")
    return {"spawned": params.parts + 1}
