"""The handler of ``workflow.start`` (``conveyor/jobtypes/workflow.py``)."""

from __future__ import annotations

from typing import Any

from conveyor.jobs.types import JobContext
from conveyor.jobtypes.workflow import WORKFLOW_START, WorkflowStartParams
from conveyor_worker.registry import handler

#: What a template's job may say besides its id, type, params and graph.
OPTIONS = ("queue", "priority", "max_attempts", "timeout_seconds", "labels", "webhook_url")


@handler(WORKFLOW_START)
def start_workflow(ctx: JobContext, params: WorkflowStartParams) -> dict[str, int]:
    """Spawn the template's jobs, dependencies first (a spawn names earlier ones)."""
    pending: list[dict[str, Any]] = list(params.jobs)
    spawned: set[str] = set()
    while pending:
        ready = [j for j in pending if set(j.get("depends_on") or []) <= spawned]
        if not ready:
            raise ValueError("the template's dependencies form a cycle")
        for job in ready:
            ctx.spawn(
                str(job["id"]),
                str(job["type"]),
                job.get("params") or {},
                depends_on=list(job.get("depends_on") or []),
                results_param=str(job.get("results_param") or ""),
                on_dependency_failure=str(job.get("on_dependency_failure") or "cancel"),
                **{k: job[k] for k in OPTIONS if job.get(k) is not None},
            )
            spawned.add(str(job["id"]))
        pending = [j for j in pending if str(j["id"]) not in spawned]
    return {"jobs": len(spawned)}
