"""``workflow.start``: a job that starts a workflow from a template (the ``jobs`` of
``POST /v1/workflows``). A schedule of this type starts a workflow at each run
(docs/workflows.md#scheduled-workflows). Its handler spawns the template's jobs, stored
with its success (``conveyor_worker/handlers/workflow.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from pydantic import Field

from conveyor.jobs.types import JobParams, RetryPolicy, job_type


class WorkflowStartParams(JobParams):
    jobs: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=1000,
        description="the workflow's jobs, as POST /v1/workflows takes them (id, type, "
        "params, depends_on, ...)",
    )


def _template(params: Mapping[str, Any]) -> None:
    """The template's jobs and graph are valid (as POST /v1/workflows checks them)."""
    from conveyor.workflows.services import template_check  # the workflows app's rules

    template_check(params["jobs"])


WORKFLOW_START = job_type(
    "workflow.start",
    params=WorkflowStartParams,
    time_limit=timedelta(minutes=1),
    retry=RetryPolicy(max_attempts=3),
    description="Start a workflow from a template: its jobs join a new workflow, "
    "labelled as this job is.",
    check=_template,
)
