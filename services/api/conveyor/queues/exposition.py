"""``/metrics``: every API process's request and job counters, and the queue gauges
(no authentication; not under /v1)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from conveyor.core.metrics import exposition
from conveyor.queues.collector import QueueCollector
from conveyor.workflows.collector import WorkflowCollector


class DatabaseGauges(Collector):
    """The gauges read from the database: the queues' and the workflows'."""

    def collect(self) -> Iterable[Metric]:
        yield from QueueCollector().collect()
        yield from WorkflowCollector().collect()


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus: every API process's request and job counters, and the queue gauges."""
    return HttpResponse(exposition(DatabaseGauges()), content_type=CONTENT_TYPE_LATEST)
