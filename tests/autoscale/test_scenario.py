"""The scenario against Redis (Prometheus trigger) and RabbitMQ (metrics-api trigger)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests import shared_services as services
from tests.e2e.platform import Platform
from tools.autoscale import demo

JOBS = 300


@pytest.mark.e2e
@pytest.mark.timeout(420)
# One at a time: each scales out to 6 workers, about 60 PostgreSQL connections with the
# API's; two at once pass PostgreSQL's default max_connections (100).
@pytest.mark.xdist_group("autoscale")
@pytest.mark.parametrize(
    ("broker", "trigger"), [("redis", "prometheus"), ("rabbitmq", "metrics-api")]
)
def test_scales_out_to_max_drains_and_back_to_zero(
    broker: str, trigger: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    services.require("postgres")
    services.require(broker)
    with Platform.running(broker, extra_env=demo.platform_env()) as platform:
        report = demo.run(platform, broker=broker, trigger=trigger, out=tmp_path, jobs=JOBS)
    with capsys.disabled():
        print(f"\n{report.summary()}")

    # every job succeeded
    assert report.states == {"succeeded": JOBS}, report.states
    # it went out to the maximum and back to zero
    assert report.peak_running == report.max_replicas
    assert not math.isnan(report.time_to_max)
    assert not math.isnan(report.time_to_zero)
    # a scale-down waits for running jobs (warm shutdown within the grace): what it cut
    # short was handed back and run again, within the jobs' attempts
    assert report.killed_at_grace == 0
    assert report.jobs_run_more_than_once <= report.attempts_not_succeeded
    assert report.attempts_not_succeeded <= JOBS * 0.05
    # the record exists
    assert report.csv.read_text().startswith("t,metric,replicas")
    assert report.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
