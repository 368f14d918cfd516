"""The dashboard's actions: POST only (CSRF-checked by Django's middleware), each through
the domain's services, then back to the page with a message saying what happened."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from conveyor.core.errors import ConveyorError
from conveyor.dashboard import sources
from conveyor.dashboard.access import operator_action
from conveyor.dashboard.forms import JobQueryForm, RequeueForm
from conveyor.jobs.models import Job
from conveyor.jobs.services import job_cancel, job_retry
from conveyor.jobs.states import JobState
from conveyor.schedules.models import Schedule
from conveyor.schedules.services import schedule_run_now, schedule_update

#: The bulk actions: their verb for messages, and the service doing them.
BULK = {"retry": "retried", "cancel": "cancelled", "delete": "deleted"}


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """To the page the form came from (``next``), if it is ours, else ``default``."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return HttpResponseRedirect(target or default)


@require_POST
@operator_action
def job_action(request: HttpRequest, job_id: UUID, action: str) -> HttpResponse:
    job = get_object_or_404(Job, pk=job_id)
    detail = reverse("dashboard:job", args=[job.pk])
    service = {"retry": job_retry, "cancel": job_cancel}.get(action)
    if service is None:
        messages.error(request, f"No action {action!r} on a job; use retry or cancel.")
        return _back(request, detail)
    try:
        service(job=job)
    except ConveyorError as exc:
        messages.warning(request, exc.detail)
    else:
        messages.success(request, f"Job {job.pk}: {action} done.")
    return _back(request, detail)


@require_POST
@operator_action
def requeue(request: HttpRequest, job_id: UUID) -> HttpResponse:
    """Run a failed (or cancelled) job again with edited params, validated as a submission."""
    job = get_object_or_404(Job, pk=job_id)
    form = RequeueForm(request.POST)
    if form.is_valid():
        try:
            new = sources.requeue(job, form.cleaned_data["params"])
        except ConveyorError as exc:
            for error in exc.errors or []:
                form.add_error("params", f"{error.get('field')}: {error.get('message')}")
            if not exc.errors:
                form.add_error("params", exc.detail)
        else:
            messages.success(request, f"Job {job.pk} requeued with the edited params as {new.pk}.")
            return HttpResponseRedirect(reverse("dashboard:job", args=[new.pk]))
    return render(
        request,
        "dashboard/requeue.html",
        {"page": "jobs", "job": job, "requeue": form, "can_operate": True},
        status=400,
    )


@require_POST
@operator_action
def bulk(request: HttpRequest, action: str) -> HttpResponse:
    """Retry, cancel or delete every job matching the filter the form carries.

    The form shows the count first (``confirm`` unset) and acts once confirmed: a page of
    its own, so nothing is changed by a single click.
    """
    if action not in BULK:
        messages.error(request, f"No bulk action {action!r}; use retry, cancel or delete.")
        return HttpResponseRedirect(reverse("dashboard:jobs"))
    form = JobQueryForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"The filter is not valid: {form.errors.as_text()}")
        return HttpResponseRedirect(reverse("dashboard:jobs"))
    values = form.filter_values()
    query = request.POST.get("filter_query", "")
    jobs_page = reverse("dashboard:jobs") + (f"?{query}" if query else "")
    if request.POST.get("confirm") != "yes":
        counts = sources.count_by_state(values)
        return render(
            request,
            "dashboard/confirm.html",
            {
                "page": "jobs",
                "can_operate": True,
                "action": action,
                "affected": sources.affected(action, counts),
                "counts": counts,
                "fields": [
                    (k, v)
                    for k, vs in request.POST.lists()
                    for v in vs
                    if k not in {"csrfmiddlewaretoken", "confirm"}
                ],
                "back": jobs_page,
            },
        )
    done = sources.bulk(action, values)
    messages.success(request, f"{done} job(s) {BULK[action]}.")
    return HttpResponseRedirect(jobs_page)


@require_POST
@operator_action
def replay_group(request: HttpRequest) -> HttpResponse:
    """Retry every failed job of one triage group (type, error type and message)."""
    jobs = Job.objects.filter(
        state=JobState.FAILED,
        type=request.POST.get("type", ""),
        error_type=request.POST.get("error_type", ""),
        error_message=request.POST.get("error_message", ""),
    )
    done = 0
    for job in jobs.iterator():
        try:
            job_retry(job=job)
            done += 1
        except ConveyorError:
            continue  # changed state meanwhile: no longer failed
    messages.success(request, f"{done} failed job(s) replayed.")
    return HttpResponseRedirect(reverse("dashboard:failed"))


@require_POST
@operator_action
def queue_action(request: HttpRequest, name: str, action: str) -> HttpResponse:
    try:
        if action == "pause":
            sources.pause(name)
            messages.success(request, f"Queue {name} paused: workers take no new job from it.")
        elif action == "resume":
            sources.resume(name)
            messages.success(request, f"Queue {name} resumed.")
        else:
            messages.error(request, f"No action {action!r} on a queue; use pause or resume.")
    except ConveyorError as exc:
        messages.warning(request, exc.detail)
    return HttpResponseRedirect(reverse("dashboard:queues"))


@require_POST
@operator_action
def schedule_action(request: HttpRequest, schedule_id: UUID, action: str) -> HttpResponse:
    schedule = get_object_or_404(Schedule.objects.select_related("client"), pk=schedule_id)
    try:
        if action in {"enable", "disable"}:
            schedule_update(schedule=schedule, enabled=action == "enable")
            messages.success(request, f"Schedule {schedule.name}: {action}d.")
        elif action == "run":
            job = schedule_run_now(schedule=schedule)
            messages.success(request, f"Schedule {schedule.name}: job {job.pk} submitted.")
        else:
            messages.error(request, f"No action {action!r}; use enable, disable or run.")
    except ConveyorError as exc:
        messages.warning(request, exc.detail)
    return HttpResponseRedirect(reverse("dashboard:schedules"))
