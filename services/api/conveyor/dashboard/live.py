"""The small JSON views the pages poll (static/dashboard/dashboard.js, every 2 s)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from conveyor.dashboard import series, sources
from conveyor.dashboard.access import staff_json
from conveyor.dashboard.forms import JobQueryForm
from conveyor.jobs.models import Job
from conveyor.queues.selectors import count_queues


def _queues(workers_found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every queue's counts, whether it is paused, and the live workers consuming it."""
    paused = sources.paused()
    workers = sources.workers_by_queue(workers_found)
    return [
        {
            "name": q.name,
            "waiting": q.waiting,
            "scheduled": q.scheduled,
            "running": q.running,
            "backlog": q.backlog,
            "oldest_waiting_seconds": round(q.oldest_waiting_seconds, 1),
            "workers": workers.get(q.name, q.workers),
            "paused": q.name in paused,
        }
        for q in count_queues().values()
    ]


@staff_json
def overview(request: HttpRequest) -> HttpResponse:
    minutes = series.last_hour()
    return JsonResponse(
        {
            "now": timezone.now().isoformat(),
            "queues": _queues(sources.workers()),
            "failure_ratio": series.failure_ratio(minutes),
            "minutes": [
                {
                    "at": m.at.isoformat(),
                    "succeeded": m.succeeded,
                    "failed": m.failed,
                    "retried": m.retried,
                    "wait_p50": m.wait_p50,
                    "wait_p95": m.wait_p95,
                    "run_p50": m.run_p50,
                    "run_p95": m.run_p95,
                }
                for m in minutes
            ],
        }
    )


@staff_json
def queues(request: HttpRequest) -> HttpResponse:
    workers = sources.workers()
    return JsonResponse({"queues": _queues(workers), "workers": workers})


@staff_json
def jobs(request: HttpRequest) -> HttpResponse:
    """Counts per state for the page's filter, and the states of the jobs it shows."""
    form = JobQueryForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    values = form.filter_values()
    counts = sources.count_by_state(values)
    ids = [i for i in request.GET.getlist("id") if len(i) == 36][:200]
    shown = (
        Job.objects.filter(pk__in=ids).values(
            "id", "state", "attempts", "progress_percent", "progress_message"
        )
        if ids
        else []
    )
    return JsonResponse(
        {
            "counts": counts,
            "total": sum(counts.values()),
            "jobs": [{**row, "id": str(row["id"])} for row in shown],
        }
    )


@staff_json
def job(request: HttpRequest, job_id: str) -> HttpResponse:
    found = Job.objects.filter(pk=job_id).first()
    if found is None:
        raise Http404(f"No job {job_id}.")
    return JsonResponse(
        {
            "id": str(found.id),
            "state": found.state,
            "attempts": found.attempts,
            "max_attempts": found.max_attempts,
            "progress_percent": found.progress_percent,
            "progress_message": found.progress_message,
            "final": found.is_final,
            "attempt_count": found.attempt_records.count(),
            "finished_at": found.finished_at.isoformat() if found.finished_at else None,
        }
    )
