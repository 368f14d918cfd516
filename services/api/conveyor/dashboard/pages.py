"""The dashboard's pages: server-rendered, then kept live by static/dashboard/dashboard.js
polling the JSON views of ``live.py``."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Count, Max, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from conveyor.dashboard import sources
from conveyor.dashboard.access import can_operate, staff_page
from conveyor.dashboard.forms import FILTER_FIELDS, JobQueryForm, RequeueForm, page_of
from conveyor.jobs.models import Job
from conveyor.jobs.selectors import job_attempts
from conveyor.jobs.states import JobState
from conveyor.jobs.types import all_job_types
from conveyor.schedules.models import Schedule, ScheduleRun
from conveyor.schedules.services import SCHEDULE_LABEL, next_run_at
from conveyor.webhooks.selectors import job_deliveries
from conveyor.workflows.models import Dependency, Step, Workflow

#: Failed-job groups the triage page shows at most.
MAX_GROUPS = 200


def _context(request: HttpRequest, page: str, **extra: Any) -> dict[str, Any]:
    return {"page": page, "can_operate": can_operate(request), **extra}


@staff_page
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/overview.html", _context(request, "overview"))


@staff_page
def jobs(request: HttpRequest) -> HttpResponse:
    form = JobQueryForm(request.GET or None)
    page = None
    counts: dict[str, int] = {}
    query = ""
    if not request.GET or form.is_valid():
        if not request.GET:
            form = JobQueryForm({})
            form.is_valid()
        values = form.filter_values()
        matching = sources.matching(values)
        page = page_of(
            matching, sort=form.cleaned_data.get("sort") or "", cursor=form.cleaned_data["cursor"]
        )
        counts = sources.count_by_state(values)
        kept = request.GET.copy()
        kept.pop("cursor", None)
        query = kept.urlencode()
    return render(
        request,
        "dashboard/jobs.html",
        _context(
            request,
            "jobs",
            form=form,
            result=page,
            state_counts=[(state, counts.get(state, 0)) for state in JobState.values],
            total=sum(counts.values()),
            bulk_actions=["retry", "cancel", "delete"],
            filter_items=_filter_items(request),
            query=query,
            filter_query=_filter_query(request),
            job_types=[spec.name for spec in all_job_types()],
        ),
    )


def _filter_items(request: HttpRequest) -> list[tuple[str, str]]:
    """The filter's fields as (name, value) pairs: the bulk forms' hidden inputs."""
    return [
        (name, value)
        for name, values in request.GET.lists()
        if name in FILTER_FIELDS
        for value in values
    ]


def _filter_query(request: HttpRequest) -> str:
    """The query string of the filter alone (no sort or cursor): what bulk actions act on."""
    kept = request.GET.copy()
    for name in list(kept.keys()):
        if name not in FILTER_FIELDS:
            kept.pop(name)
    return kept.urlencode()


def _workflow_of(job: Job) -> tuple[Workflow | None, list[dict[str, Any]]]:
    """The workflow a job belongs to and each of its jobs: name, state, what it waits for."""
    if job.workflow_id is None:
        return None, []
    workflow = Workflow.objects.filter(pk=job.workflow_id).first()
    if workflow is None:
        return None, []
    steps = list(Step.objects.filter(workflow=workflow).order_by("position"))
    ids = [step.job_id for step in steps]
    names = {step.job_id: step.name for step in steps}
    states = dict(Job.objects.filter(pk__in=ids).values_list("pk", "state"))
    upstream: dict[Any, list[str]] = {}
    for job_pk, upstream_pk in Dependency.objects.filter(job_id__in=ids).values_list(
        "job_id", "upstream_id"
    ):
        upstream.setdefault(job_pk, []).append(names.get(upstream_pk, str(upstream_pk)))
    rows = [
        {
            "name": step.name,
            "job_id": step.job_id,
            "state": states.get(step.job_id, ""),
            "depends_on": sorted(upstream.get(step.job_id, [])),
            "this": step.job_id == job.pk,
        }
        for step in steps
    ]
    return workflow, rows


@staff_page
def job_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    job = Job.objects.select_related("client").filter(pk=job_id).first()
    if job is None:
        raise Http404(f"No job {job_id}.")
    schedule = None
    schedule_id = (job.labels or {}).get(SCHEDULE_LABEL)
    if schedule_id:
        schedule = Schedule.objects.filter(pk=schedule_id).first()
    requeue = RequeueForm(initial={"params": json.dumps(job.params, indent=2, sort_keys=True)})
    workflow, workflow_jobs = _workflow_of(job)
    return render(
        request,
        "dashboard/job.html",
        _context(
            request,
            "jobs",
            job=job,
            params=json.dumps(job.params, indent=2, sort_keys=True),
            result=json.dumps(job.result, indent=2, sort_keys=True),
            attempts=[
                (attempt, (attempt.finished_at - attempt.started_at).total_seconds())
                for attempt in job_attempts(job=job)
            ],
            deliveries=job_deliveries(job=job),
            schedule=schedule,
            schedule_id=schedule_id,
            workflow=workflow,
            workflow_jobs=workflow_jobs,
            requeue=requeue,
        ),
    )


@staff_page
def failed(request: HttpRequest) -> HttpResponse:
    groups = (
        Job.objects.filter(state=JobState.FAILED)
        .values("type", "error_type", "error_message")
        .annotate(jobs=Count("pk"), oldest=Min("finished_at"), newest=Max("finished_at"))
        .order_by("oldest")[:MAX_GROUPS]
    )
    return render(
        request, "dashboard/failed.html", _context(request, "failed", groups=list(groups))
    )


@staff_page
def queues(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/queues.html", _context(request, "queues"))


@staff_page
def schedules(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = []
    for schedule in Schedule.objects.select_related("client").order_by("name"):
        last = (
            ScheduleRun.objects.filter(schedule=schedule)
            .select_related("job")
            .order_by("-due_at")
            .first()
        )
        rows.append(
            {"schedule": schedule, "next_run_at": next_run_at(schedule, now=now), "last": last}
        )
    return render(request, "dashboard/schedules.html", _context(request, "schedules", rows=rows))
