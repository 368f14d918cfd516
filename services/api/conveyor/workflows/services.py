"""What clients do to workflows: submit, cancel, retry. Keyword-only, typed, transactional.

A workflow is submitted like a batch (``jobs/batch.py``): every job is validated, with
its index in the request, then the graph (ids unique, ``depends_on`` naming jobs of the
request, no cycle); only when all is valid are the workflow, its jobs, steps and
dependencies stored, in one transaction, and the jobs that wait for nothing published
once it commits. Every job counts against the client's cap on unfinished jobs.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from conveyor.clients.models import ApiClient
from conveyor.core import database, metrics
from conveyor.core.errors import Conflict, InvalidInput
from conveyor.core.problems import flatten_field_errors
from conveyor.jobs import quotas
from conveyor.jobs.batch import MAX_ERRORS, rate_limited
from conveyor.jobs.lifecycle import message_of
from conveyor.jobs.models import Job
from conveyor.jobs.publishing import bundles_of, publish_on_commit
from conveyor.jobs.serializers import submission_of
from conveyor.jobs.services import (
    allowed_queues,
    job_cancel,
    job_retry,
    job_type_enabled,
    prepare_job,
    validate_params,
)
from conveyor.jobs.states import FINAL_STATES, RETRYABLE_STATES, JobState
from conveyor.jobs.types import get_job_type
from conveyor.workflows.models import Dependency, Step, Workflow, WorkflowState
from conveyor.workflows.release import DEPENDENCY_FAILED
from conveyor.workflows.selectors import workflow_jobs
from conveyor.workflows.serializers import WorkflowJobInput

_STEP_FIELDS = ("id", "depends_on", "on_dependency_failure", "results_param")


def _at(where: str, error: dict[str, str]) -> dict[str, str]:
    field = error.get("field", "")
    return {**error, "field": f"{where}.{field}" if field else where}


def workflow_create(
    *,
    client: ApiClient,
    items: Sequence[Any],
    name: str = "",
    labels: dict[str, str] | None = None,
    now: datetime | None = None,
) -> Workflow:
    """Validate every job and the graph, then store the workflow (all or nothing)."""
    now = now or timezone.now()
    queues = allowed_queues()
    errors: list[dict[str, str]] = []
    validator = WorkflowJobInput()
    specs: list[dict[str, Any]] = []
    jobs: list[Job] = []
    for index, item in enumerate(items):
        where = f"jobs[{index}]"
        try:
            validated = validator.run_validation(item)
        except ValidationError as exc:
            errors.extend(flatten_field_errors(exc.detail, where))
            continue
        step = {field: validated.pop(field) for field in _STEP_FIELDS}
        step["index"] = index
        try:
            job = prepare_job(
                client=client,
                now=now,
                queues=queues,
                deferred_param=step["results_param"],
                **submission_of(validated, now),
            )
        except InvalidInput as exc:
            errors.extend(_at(where, e) for e in exc.errors)
            continue
        specs.append(step)
        jobs.append(job)
    if not errors:
        errors.extend(graph_errors(specs))
    if errors:
        raise InvalidInput(
            "The workflow is invalid; nothing was submitted.", errors=errors[:MAX_ERRORS]
        )
    quotas.check_unfinished_jobs(client=client, adding=len(jobs))
    workflow = Workflow(
        client=client, name=name, labels=dict(labels or {}), created_at=now, updated_at=now
    )
    by_name = {spec["id"]: job for spec, job in zip(specs, jobs, strict=True)}
    for spec, job in zip(specs, jobs, strict=True):
        job.workflow_id = workflow.pk
        if spec["depends_on"]:
            job.state, job.queued_at, job.published_at = JobState.BLOCKED, None, None
    with transaction.atomic(using=database.alias()):
        workflow.save(force_insert=True)
        Job.objects.bulk_create(jobs)
        Step.objects.bulk_create(
            Step(
                job=job,
                workflow=workflow,
                name=spec["id"],
                position=position,
                on_dependency_failure=spec["on_dependency_failure"],
                results_param=spec["results_param"],
            )
            for position, (spec, job) in enumerate(zip(specs, jobs, strict=True))
        )
        Dependency.objects.bulk_create(
            Dependency(job=job, upstream=by_name[upstream])
            for spec, job in zip(specs, jobs, strict=True)
            for upstream in dict.fromkeys(spec["depends_on"])
        )
        queued = [job for job in jobs if job.state == JobState.QUEUED]
        alone = {job.id for job in queued if rate_limited(job)}
        publish_on_commit(bundles_of([message_of(job) for job in queued], alone=alone))
    for job in jobs:
        metrics.job_submitted(type=job.type, queue=job.queue)
    metrics.workflow_started()
    return workflow


def template_check(items: Sequence[Any]) -> None:
    """Check a workflow template (the ``jobs`` of ``POST /v1/workflows``) without a
    client: each job's shape, job type and params, and the graph. The ``workflow.start``
    job type's check, so a schedule's template is refused when it is saved."""
    errors: list[dict[str, str]] = []
    validator = WorkflowJobInput()
    specs: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        where = f"params.jobs[{index}]"
        try:
            validated = validator.run_validation(item)
        except ValidationError as exc:
            errors.extend(flatten_field_errors(exc.detail, where))
            continue
        if "run_at" in validated or "delay_seconds" in validated:
            errors.append(
                {
                    "field": f"{where}.run_at",
                    "message": "A template's jobs start when it is started.",
                    "code": "invalid",
                }
            )
            continue
        spec = get_job_type(validated["type"])
        if spec is None or not job_type_enabled(spec):
            errors.append(
                {
                    "field": f"{where}.type",
                    "message": f"Unknown job type {validated['type']!r}.",
                    "code": "unknown",
                }
            )
            continue
        try:
            validate_params(spec, validated["params"], deferred=validated["results_param"])
        except InvalidInput as exc:
            errors.extend(_at(where, e) for e in exc.errors)
            continue
        specs.append({**{f: validated[f] for f in _STEP_FIELDS}, "index": index})
    if not errors:
        errors.extend({**e, "field": "params." + e["field"]} for e in graph_errors(specs))
    if errors:
        raise InvalidInput("The workflow template is invalid.", errors=errors[:MAX_ERRORS])


def graph_errors(specs: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Field errors of the graph: ids used twice, dependencies on unknown ids or on the
    job itself, and cycles (each named once, by the first job in it)."""
    errors: list[dict[str, str]] = []
    first: dict[str, int] = {}
    for spec in specs:
        if spec["id"] in first:
            errors.append(
                {
                    "field": f"jobs[{spec['index']}].id",
                    "message": f"Id {spec['id']!r} is already jobs[{first[spec['id']]}]'s.",
                    "code": "unique",
                }
            )
        else:
            first[spec["id"]] = spec["index"]
    for spec in specs:
        for k, upstream in enumerate(spec["depends_on"]):
            if upstream not in first:
                message = f"No job of this workflow has id {upstream!r}."
            elif upstream == spec["id"]:
                message = "A job cannot depend on itself."
            else:
                continue
            errors.append(
                {
                    "field": f"jobs[{spec['index']}].depends_on[{k}]",
                    "message": message,
                    "code": "invalid",
                }
            )
    if errors:
        return errors
    cycle = find_cycle({spec["id"]: list(spec["depends_on"]) for spec in specs})
    if cycle:
        return [
            {
                "field": f"jobs[{first[cycle[0]]}].depends_on",
                "message": "The dependencies form a cycle: "
                + " -> ".join([*cycle, cycle[0]])
                + "; a workflow is a DAG.",
                "code": "cycle",
            }
        ]
    return []


def find_cycle(edges: dict[str, list[str]]) -> list[str]:
    """A cycle of ``edges`` (name → the names it depends on) as a path, or [] for none.
    Iterative depth-first search: a 1,000-job chain needs no 1,000 frames."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in edges:
        if state.get(root):
            continue
        path: list[str] = [root]
        stack = [iter(edges[root])]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt) :]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(edges[nxt]))
    return []


def workflow_cancel(*, workflow: Workflow) -> Workflow:
    """Cancel what has not ended: blocked jobs first (so none is released meanwhile),
    then the others; a running job is asked to stop and ends cancelled."""
    if workflow.state != WorkflowState.RUNNING:
        raise Conflict(f"Workflow {workflow.id} is already {workflow.state}; nothing to cancel.")
    now = timezone.now()
    Workflow.objects.filter(pk=workflow.pk, cancel_requested_at__isnull=True).update(
        cancel_requested_at=now, updated_at=now
    )
    jobs = [job for job in workflow_jobs(workflow=workflow) if job.state not in FINAL_STATES]
    jobs.sort(key=lambda job: job.state != JobState.BLOCKED)
    for job in jobs:
        with suppress(Conflict):  # it ended meanwhile (a cancelled dependency's end did it)
            job_cancel(job=job)
    workflow.refresh_from_db()
    return workflow


def workflow_retry(*, workflow: Workflow) -> Workflow:
    """Run a failed or cancelled workflow's failed and cancelled jobs again: those that
    ended of themselves are queued (or wait again for a dependency retried with them),
    and the jobs their end cancelled wait for them again."""
    if workflow.state not in {WorkflowState.FAILED, WorkflowState.CANCELLED}:
        raise Conflict(
            f"Workflow {workflow.id} is {workflow.state}; only a failed or cancelled "
            "workflow can be retried."
        )
    for job in upstream_first(workflow_jobs(workflow=workflow)):
        if job.state in RETRYABLE_STATES and job.error_type != DEPENDENCY_FAILED:
            with suppress(Conflict):  # a retry of another job made it wait again
                job_retry(job=job)
    workflow.refresh_from_db()
    return workflow


def upstream_first(jobs: Sequence[Job]) -> list[Job]:
    """``jobs`` in an order where each comes after the jobs it depends on (Kahn's)."""
    ids = {job.pk for job in jobs}
    waits_for: dict[Any, set[Any]] = {job.pk: set() for job in jobs}
    dependents: dict[Any, list[Any]] = {}
    edges = Dependency.objects.filter(job_id__in=ids).values_list("job_id", "upstream_id")
    for job_id, upstream_id in edges:
        if upstream_id in ids:
            waits_for[job_id].add(upstream_id)
            dependents.setdefault(upstream_id, []).append(job_id)
    by_id = {job.pk: job for job in jobs}
    ready = [job.pk for job in jobs if not waits_for[job.pk]]
    ordered: list[Job] = []
    while ready:
        pk = ready.pop(0)
        ordered.append(by_id[pk])
        for dependent in dependents.get(pk, []):
            waits_for[dependent].discard(pk)
            if not waits_for[dependent]:
                ready.append(dependent)
    return ordered
