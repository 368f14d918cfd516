"""``/metrics``: every API process's request and job counters, and the queue gauges
(no authentication; not under /v1)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from conveyor.core.metrics import exposition
from conveyor.queues.collector import QueueCollector


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus: every API process's request and job counters, and the queue gauges."""
    return HttpResponse(exposition(QueueCollector()), content_type=CONTENT_TYPE_LATEST)
