"""A real Prometheus scrapes a real platform: gunicorn (2 processes) and a prefork worker.

The ScaledObject's exact PromQL, as the chart renders it, is evaluated through
Prometheus' HTTP API against a backlog the test made.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests import shared_services as services
from tests.e2e.platform import Platform
from tests.metrics.prometheus import NAMESPACE, Prometheus, Target, running_prometheus
from tests.procs import free_port, wait_until
from tools import helm
from tools.autoscale.demo import keda_key


@dataclass
class Scraped:
    platform: Platform
    prometheus: Prometheus
    worker_port: int


def rule_file(directory: Path) -> Path:
    """The chart's PrometheusRule, as Helm renders it for this namespace, as a rule file."""
    values = {
        "image": {"repository": "conveyor"},
        "keda": {"enabled": False},
        "monitoring": {"prometheusRule": {"enabled": True}},
    }
    (rule,) = [o for o in helm.render(values, namespace=NAMESPACE) if o["kind"] == "PrometheusRule"]
    path = directory / "rules.yml"
    path.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    return path


@pytest.fixture(scope="module")
def scraped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scraped]:
    services.require("postgres")
    services.require("redis")
    worker_port = free_port()
    env = {
        "CONVEYOR_WORKER_METRICS_PORT": str(worker_port),
        "CONVEYOR_QUEUE_STATS_TTL_SECONDS": "0.5",
    }
    with Platform.running("redis", extra_env=env) as platform:
        api = platform.base_url.removeprefix("http://")
        targets = [
            Target("conveyor-api", api),
            Target("conveyor-worker", f"127.0.0.1:{worker_port}"),
        ]
        rules = rule_file(tmp_path_factory.mktemp("rules"))
        with running_prometheus(targets, [rules]) as prometheus:
            yield Scraped(platform, prometheus, worker_port)


def chart_query(queues: str) -> str:
    """The query of the chart's ScaledObject for a pool serving ``queues`` (its template)."""
    return (
        f'sum(max by (queue) (conveyor_queue_backlog{{namespace="{NAMESPACE}",queue=~"{queues}"}}))'
    )


def test_the_scaledobject_query_counts_queued_and_running_jobs(scraped: Scraped) -> None:
    platform, prometheus = scraped.platform, scraped.prometheus
    # given: 7 jobs on a queue no worker consumes, and 2 long jobs running on default
    for _ in range(7):
        platform.submit({"type": "demo.noop", "queue": "idle"})
    running = [
        platform.submit({"type": "demo.sleep", "params": {"seconds": 60, "steps": 60}})
        for _ in range(2)
    ]
    for job in running:
        platform.wait_state(job["id"], "running")

    try:
        # then the ScaledObject's query for a pool of both queues sees 7 + 2
        prometheus.wait_value(chart_query("idle|default"), 9)
        # and per queue, the gauges say which is which
        assert prometheus.value(chart_query("idle")) == 7
        assert prometheus.value(chart_query("default")) == 2
        selector = f'namespace="{NAMESPACE}",queue="idle"'
        assert prometheus.value(f"max(conveyor_queue_waiting{{{selector}}})") == 7
        assert prometheus.value(f"max(conveyor_queue_running{{{selector}}})") == 0
        age = prometheus.value(f"max(conveyor_queue_oldest_waiting_seconds{{{selector}}})")
        assert age is not None
        assert age > 0
        # the same numbers as the JSON KEDA's metrics-api scaler reads
        body = platform.http.get(
            f"{platform.base_url}/v1/queues/idle/metrics",
            headers={"Authorization": f"Bearer {keda_key(platform)}"},
        ).json()
        assert body["backlog"] == 7
    finally:
        for job in running:
            platform.post(f"/v1/jobs/{job['id']}/cancel")
    for job in running:
        platform.wait_final(job["id"])
    # when the running jobs end, the backlog drops by them
    prometheus.wait_value(chart_query("idle|default"), 7)


def test_request_counters_add_up_over_gunicorn_processes(scraped: Scraped) -> None:
    platform, prometheus = scraped.platform, scraped.prometheus
    route = 'route="v1/job-types",method="GET",status="200"'
    before = prometheus.value(f"sum(conveyor_http_requests_total{{{route}}})") or 0.0
    # when 40 requests are spread over new connections (so over both processes)
    for _ in range(40):
        response = platform.http.get(
            f"{platform.base_url}/v1/job-types",
            headers={**platform.headers(), "Connection": "close"},
        )
        assert response.status_code == 200
    # then the counter, summed over processes, grew by exactly 40
    prometheus.wait_value(f"sum(conveyor_http_requests_total{{{route}}})", before + 40)
    count = 'sum(conveyor_http_request_duration_seconds_count{route="v1/job-types"})'
    assert (prometheus.value(count) or 0) >= 40
    # the raw path never becomes a label value: a job's URL is its route template
    job = platform.submit({"type": "demo.noop", "queue": "idle"})
    platform.get(job["id"])
    detail = 'conveyor_http_requests_total{route="v1/jobs/<uuid:job_id>",method="GET"}'
    prometheus.wait_value(f"sum({detail}) > bool 0", 1)
    raw = f'conveyor_http_requests_total{{route=~".*{job["id"]}.*"}}'
    assert prometheus.query(raw) == []


def test_worker_counters_add_up_over_prefork_children(scraped: Scraped) -> None:
    platform, prometheus = scraped.platform, scraped.prometheus
    finished = 'conveyor_jobs_finished_total{queue="default",type="demo.noop",state="succeeded"}'
    before = prometheus.value(f"sum({finished})") or 0.0
    # three sleeps at once occupy the three pool processes, then nine quick jobs follow
    sleeps = [
        platform.submit({"type": "demo.sleep", "params": {"seconds": 1, "steps": 1}})
        for _ in range(3)
    ]
    jobs = [platform.submit({"type": "demo.noop"}) for _ in range(12)]
    for job in sleeps:
        platform.wait_final(job["id"])
    for job in jobs:
        assert platform.wait_final(job["id"])["state"] == "succeeded"
    prometheus.wait_value(f"sum({finished})", before + 12)
    started = 'conveyor_jobs_started_total{queue="default",type="demo.noop"}'
    assert prometheus.value(f"sum({started})") == before + 12
    attempts = 'conveyor_job_attempts_total{queue="default",type="demo.noop",outcome="succeeded"}'
    assert prometheus.value(f"sum({attempts})") == before + 12
    runs = 'conveyor_job_run_seconds_count{queue="default",type="demo.noop"}'
    assert prometheus.value(f"sum({runs})") == before + 12
    # each pool process wrote its own file, and the exporter added them all up
    directory = Path(tempfile.gettempdir()) / (
        f"conveyor-worker-metrics-{platform.procs['worker'].pid}"
    )
    assert len(list(directory.glob("counter_*.db"))) >= 3
    # the API is another target, scraped on its own schedule (on a loaded machine its last
    # scrape may predate the last submission): wait for a scrape that counts them all
    submitted = 'conveyor_jobs_submitted_total{type="demo.noop",queue="default"}'
    wait_until(
        lambda: (prometheus.value(f"sum({submitted})") or 0) >= 12,
        timeout=30,
        message="the API's submissions counted by Prometheus",
    )


def test_the_no_consumer_alert_expression_finds_the_idle_queue(scraped: Scraped) -> None:
    platform, prometheus = scraped.platform, scraped.prometheus
    platform.submit({"type": "demo.noop", "queue": "idle"})
    rules = yaml.safe_load(rule_file(Path(platform.data_dir)).read_text())["groups"]
    alerts = {r["alert"]: r for g in rules for r in g["rules"] if "alert" in r}
    expr = alerts["ConveyorQueueNotConsumed"]["expr"]
    # then the alert's expression (before its `for`) names the idle queue, not default
    found: set[str] = set()

    def idle_found() -> bool:
        found.clear()
        found.update(r["metric"]["queue"] for r in prometheus.query(expr))
        return "idle" in found

    wait_until(idle_found, timeout=15, message="the alert expression to find queue idle")
    assert "idle" in found, found
    assert "default" not in found
    # and Prometheus loaded every rule of the chart without error
    groups = prometheus.http.get(f"{prometheus.url}/api/v1/rules").json()["data"]["groups"]
    loaded = [r for g in groups for r in g["rules"]]
    assert loaded
    assert all(r["health"] != "err" for r in loaded), loaded


def test_every_dashboard_query_runs_in_prometheus(scraped: Scraped) -> None:
    dashboard = json.loads((helm.CHART / "files" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert exprs
    for expr in exprs:
        promql = (
            expr.replace("$namespace", NAMESPACE)
            .replace("$queue", ".*")
            .replace("$__rate_interval", "1m")
        )
        response = scraped.prometheus.http.get(
            f"{scraped.prometheus.url}/api/v1/query", params={"query": promql}
        )
        assert response.status_code == 200, (expr, response.text)
    # and the backlog panel shows the idle queue's jobs
    backlog = exprs[0].replace("$namespace", NAMESPACE).replace("$queue", ".*")
    queues = {r["metric"]["queue"] for r in scraped.prometheus.query(backlog)}
    assert "idle" in queues
