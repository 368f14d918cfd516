"""Reading workflows: a client only ever sees its own."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from uuid import UUID

from conveyor.clients.models import ApiClient
from conveyor.core.errors import NotFound
from conveyor.jobs.models import Job
from conveyor.workflows.models import Dependency, Step, Workflow


@dataclass(frozen=True)
class WorkflowView:
    """A workflow with its jobs, read in four queries whatever its size."""

    workflow: Workflow
    #: Its steps, in the order they were submitted.
    steps: list[Step]
    jobs: dict[UUID, Job]
    #: Per job, the names of the jobs it waits for.
    depends_on: dict[UUID, list[str]]

    def job_states(self) -> dict[str, int]:
        return dict(sorted(Counter(job.state for job in self.jobs.values()).items()))


def workflow_get(*, client: ApiClient, workflow_id: UUID) -> Workflow:
    workflow = Workflow.objects.filter(pk=workflow_id, client=client).first()
    if workflow is None:
        raise NotFound(f"No workflow {workflow_id}.")
    return workflow


def workflow_view(*, workflow: Workflow) -> WorkflowView:
    jobs = {job.pk: job for job in Job.objects.filter(workflow_id=workflow.pk)}
    steps = [
        s for s in Step.objects.filter(workflow=workflow).order_by("position") if s.job_id in jobs
    ]
    names = {step.job_id: step.name for step in steps}
    depends_on: dict[UUID, list[str]] = {}
    edges = Dependency.objects.filter(job_id__in=list(jobs)).values_list("job_id", "upstream_id")
    for job_id, upstream_id in edges.order_by("id"):
        depends_on.setdefault(job_id, []).append(names.get(upstream_id, str(upstream_id)))
    return WorkflowView(
        workflow=workflow,
        steps=steps,
        jobs=jobs,
        depends_on=depends_on,
    )


def workflow_jobs(*, workflow: Workflow) -> list[Job]:
    return list(Job.objects.filter(workflow_id=workflow.pk).order_by("created_at", "pk"))
