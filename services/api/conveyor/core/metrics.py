"""The API's Prometheus metrics: request counts and latency, jobs submitted, queue gauges.

gunicorn runs several worker processes, so counters and histograms use prometheus-client's
multiprocess mode: each process writes its samples to files in ``PROMETHEUS_MULTIPROC_DIR``
and a scrape (served by any one process) adds them up. gunicorn's hooks
(``config/gunicorn.py``) choose and clean that directory before the workers start.

The queue gauges are not stored per process at all: they come from the database, through
a collector that runs on the scrape path (``conveyor.queues.selectors.queue_stats``, one
cached query), so two processes can never report two different backlogs.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client import values as prometheus_values
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from conveyor.core import tracing

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The process whose tree the process_* metrics cover (gunicorn's master; set by its hook).
ROOT_PID_ENV = "CONVEYOR_METRICS_ROOT_PID"
# Request latencies from a fast GET to a 30 s long-poll (long-polls that waited have their
# own histogram since, but the buckets stay: changing them would break every series).
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# How long a long-poll waited: up to the longest ``wait`` a client may ask.
LONG_POLL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
# The request attribute ``long_polled`` sets: this request waited for its job.
_LONG_POLL_ATTRIBUTE = "conveyor_long_polled"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"


# ---- multiprocess mode ------------------------------------------------------------------


def use_multiprocess_mode(path: Path) -> None:
    """Make every metric created from now on write to files under ``path``.

    prometheus-client picks its value store when it is first imported, from the
    environment; this sets the environment and the store, so the choice does not depend
    on which module happened to import prometheus-client first.
    """
    os.environ[MULTIPROC_ENV] = str(path)
    if not getattr(prometheus_values.ValueClass, "_multiprocess", False):
        prometheus_values.ValueClass = prometheus_values.MultiProcessValue()  # type: ignore[no-untyped-call]


def fresh_directory(path: Path) -> Path:
    """Create ``path`` empty (samples of an earlier run would be added to this one's)."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True, mode=0o700)
    return path


def multiprocess_dir(default_name: str) -> tuple[Path, bool]:
    """``PROMETHEUS_MULTIPROC_DIR`` if set, else a new directory of this process in the temp
    directory (an ``emptyDir`` in the chart). The flag says whether it was made here (and
    so may be removed at exit)."""
    configured = os.environ.get(MULTIPROC_ENV)
    if configured:
        return Path(configured), False
    return Path(tempfile.gettempdir()) / f"{default_name}-{os.getpid()}", True


def gunicorn_on_starting() -> None:
    """gunicorn's ``on_starting`` hook (the master, before any worker is forked)."""
    path, _ = multiprocess_dir("conveyor-api-metrics")
    use_multiprocess_mode(fresh_directory(path))
    os.environ[ROOT_PID_ENV] = str(os.getpid())  # the workers' process_* cover this tree


def gunicorn_child_exit(pid: int) -> None:
    """gunicorn's ``child_exit`` hook: drop the live-gauge files of a worker that is gone."""
    from prometheus_client import multiprocess

    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def gunicorn_on_exit() -> None:
    """gunicorn's ``on_exit`` hook: remove the directory if this master made it."""
    path = os.environ.get(MULTIPROC_ENV)
    if path and Path(path).name.startswith("conveyor-api-metrics-"):
        shutil.rmtree(path, ignore_errors=True)


# ---- the API's own metrics ------------------------------------------------------------


@dataclass(frozen=True)
class ApiMetrics:
    requests: Counter
    latency: Histogram
    long_polls: Histogram
    submitted: Counter
    long_polls_shortened: Counter
    workflows_started: Counter


_creating = threading.Lock()
_made: ApiMetrics | None = None


def api_metrics() -> ApiMetrics:
    """Created on first use, after gunicorn has chosen the multiprocess mode, by one
    thread: two request threads creating them at once registered every family twice
    (prometheus_client's "Duplicated timeseries"), a 500 after the job was stored. Once
    made, every request reads them without the lock."""
    global _made
    if _made is None:
        with _creating:
            if _made is None:
                _made = _new_api_metrics()
    return _made


def _new_api_metrics() -> ApiMetrics:
    return ApiMetrics(
        requests=Counter(
            "conveyor_http_requests",
            "HTTP requests answered by the API, by route template, method and status.",
            ["route", "method", "status"],
        ),
        latency=Histogram(
            "conveyor_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method.",
            ["route", "method"],
            buckets=HTTP_BUCKETS,
        ),
        long_polls=Histogram(
            "conveyor_http_long_poll_duration_seconds",
            "Time to answer a long-poll that waited for its job (GET /v1/jobs/{id}?wait=N, "
            "POST /v1/jobs?wait=N), by route template and method; such requests are left "
            "out of conveyor_http_request_duration_seconds.",
            ["route", "method"],
            buckets=LONG_POLL_BUCKETS,
        ),
        submitted=Counter(
            "conveyor_jobs_submitted",
            "Jobs accepted by the API, by job type and queue.",
            ["type", "queue"],
        ),
        long_polls_shortened=Counter(
            "conveyor_long_polls_shortened",
            "Long-polls answered at once because their process held its limit of waits.",
        ),
        workflows_started=Counter(
            "conveyor_workflows_started",
            "Workflows accepted by the API (docs/workflows.md).",
        ),
    )


def job_submitted(*, type: str, queue: str, count: int = 1) -> None:
    api_metrics().submitted.labels(type=type, queue=queue).inc(count)


def workflow_started() -> None:
    api_metrics().workflows_started.inc()


def long_poll_shortened() -> None:
    api_metrics().long_polls_shortened.inc()


def long_polled(request: HttpRequest) -> None:
    """``request`` waits for its job (jobs/longpoll.py): its time goes to the long-poll
    histogram, not to the request latency one, which it would skew by seconds."""
    setattr(request, _LONG_POLL_ATTRIBUTE, True)


def route_of(request: HttpRequest) -> str:
    """The URL pattern that matched (``v1/jobs/<uuid:job_id>``), never the raw path."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return UNMATCHED_ROUTE
    return str(match.route)


class MetricsMiddleware:
    """Counts and times every request, labelled by route template, method and status;
    sync- and async-capable (core/middleware.py says why)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if iscoroutinefunction(self):
            return self.__acall__(request)
        started = time.perf_counter()
        response = self.get_response(request)
        self._count(request, response, time.perf_counter() - started)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response: HttpResponse = await self.get_response(request)
        self._count(request, response, time.perf_counter() - started)
        return response

    def _count(self, request: HttpRequest, response: HttpResponse, elapsed: float) -> None:
        request_answered(
            route=route_of(request),
            method=request.method or "",
            status=response.status_code,
            elapsed=elapsed,
            long_polled=getattr(request, _LONG_POLL_ATTRIBUTE, False),
        )


def request_answered(
    *, route: str, method: str, status: int, elapsed: float, long_polled: bool = False
) -> None:
    """Count and time one answered request (``MetricsMiddleware``; ``POST /v1/jobs``
    served without Django's handler, jobs/direct_submit.py), and name its trace span."""
    method = method if method in KNOWN_METHODS else "OTHER"
    metrics = api_metrics()
    metrics.requests.labels(route=route, method=method, status=str(status)).inc()
    tracing.name_request_span(method=method, route=route)
    histogram = metrics.long_polls if long_polled else metrics.latency
    histogram.labels(route=route, method=method).observe(elapsed)


# ---- the scrape ------------------------------------------------------------------------


class _ThisProcess(Collector):
    """The default registry's metrics, when the API runs as a single process."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class ProcessTree(Collector):
    """The ``process_*`` metrics (CPU, memory, open files, start time) of a process and of
    each of its children, one series per process with a ``pid`` label.

    prometheus-client's own process collector reports the process that serves the scrape
    only, and multiprocess mode leaves it out altogether: its figures cannot be added up
    from files. So this reads each live process of the tree from ``/proc`` at the scrape
    (the gunicorn master and its workers; the Celery worker and its pool processes). Off
    Linux it reports nothing."""

    def __init__(self, root: int) -> None:
        self.root = root

    def collect(self) -> Iterable[Metric]:
        families: dict[str, Metric] = {}
        for pid in (self.root, *children_of(self.root)):
            collector = ProcessCollector(pid=lambda pid=pid: pid, registry=None)  # type: ignore[misc]
            for family in collector.collect():
                merged = families.setdefault(
                    family.name, Metric(family.name, family.documentation, family.type)
                )
                for sample in family.samples:
                    merged.add_sample(sample.name, {**sample.labels, "pid": str(pid)}, sample.value)
        return families.values()


def children_of(root: int) -> list[int]:
    """The live child processes of ``root`` (from ``/proc``; none elsewhere)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            stat = entry.read_text()
        except OSError:  # gone meanwhile
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 1 and fields[1] == str(root):
            found.append(int(entry.parent.name))
    return sorted(found)


def exposition(extra: Collector | None = None) -> bytes:
    """The text the ``/metrics`` view returns: every process's samples plus ``extra``."""
    api_metrics()  # the families appear (empty) before the first request is counted
    registry = CollectorRegistry(auto_describe=False)
    path = os.environ.get(MULTIPROC_ENV)
    if path and os.path.isdir(path):
        MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
        registry.register(ProcessTree(int(os.environ.get(ROOT_PID_ENV) or os.getpid())))
    else:
        registry.register(_ThisProcess())
    if extra is not None:
        registry.register(extra)
    return generate_latest(registry)
