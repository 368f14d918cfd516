"""The per-queue gauges, computed from the database on the scrape path.

A custom collector rather than Gauge objects: in gunicorn's multiprocess mode each worker
process would keep its own copy of a gauge, and a scrape would add them up or pick one.
Here whichever process answers the scrape reads the (cached) counts once.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from conveyor.queues.selectors import QueueStats, queue_list

GAUGES: dict[str, tuple[str, str]] = {
    "backlog": (
        "conveyor_queue_backlog",
        "Jobs queued or running (including cancelling) on the queue: what autoscaling reads.",
    ),
    "waiting": ("conveyor_queue_waiting", "Jobs queued on the queue, not yet claimed."),
    "running": ("conveyor_queue_running", "Jobs a worker runs (or is cancelling) on the queue."),
    "scheduled": (
        "conveyor_queue_scheduled",
        "Jobs scheduled or retrying on the queue, waiting for their run_at.",
    ),
    "blocked": (
        "conveyor_queue_blocked",
        "Jobs of the queue waiting for the jobs they depend on (workflows); not backlog.",
    ),
    "oldest_waiting_seconds": (
        "conveyor_queue_oldest_waiting_seconds",
        "Age of the oldest queued job on the queue (0 when none waits).",
    ),
    "paused": (
        "conveyor_queue_paused",
        "1 while an operator has the queue paused (its jobs wait, still counted), else 0.",
    ),
}


class QueueCollector(Collector):
    def collect(self) -> Iterable[Metric]:
        queues: list[QueueStats] = queue_list()
        for attribute, (name, documentation) in GAUGES.items():
            family = GaugeMetricFamily(name, documentation, labels=["queue"])
            for queue in queues:
                family.add_metric([queue.name], float(getattr(queue, attribute)))
            yield family
