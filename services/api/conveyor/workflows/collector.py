"""The workflow gauges, computed from the database on the scrape path (as the queue
gauges are, ``queues/collector.py``): one grouped query, whichever process answers."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from conveyor.workflows.models import Workflow, WorkflowState


def workflows_by_state() -> dict[str, int]:
    counts = dict.fromkeys(WorkflowState.values, 0)
    rows = Workflow.objects.values("state").annotate(n=Count("pk")).order_by()
    counts.update({row["state"]: int(row["n"]) for row in rows})
    return counts


class WorkflowCollector(Collector):
    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "conveyor_workflows",
            "Workflows by state: running, or how they finished (succeeded, failed, "
            "cancelled), until the retention deletes them.",
            labels=["state"],
        )
        for state, count in workflows_by_state().items():
            family.add_metric([state], float(count))
        yield family
