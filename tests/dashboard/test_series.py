"""The overview's throughput and latency per minute, from the Job and attempt rows."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from conveyor.dashboard import series
from conveyor.jobs.models import JobAttempt
from tests.factories import JobFactory


def test_percentile_is_nearest_rank() -> None:
    assert series.percentile([], 0.5) is None
    assert series.percentile([3.0], 0.95) == 3.0
    assert series.percentile([float(v) for v in range(1, 101)], 0.50) == 50.0
    assert series.percentile([float(v) for v in range(1, 101)], 0.95) == 95.0


def test_the_last_hour_counts_and_times_jobs_per_minute() -> None:
    # given: two minutes ago, two jobs succeeded and one failed; an hour and more ago, one
    now = timezone.now().replace(second=30, microsecond=0)
    minute = now - timedelta(minutes=2)
    for wait, run in ((1, 2), (3, 4)):
        finished = minute
        JobFactory.create(
            succeeded=True,
            created_at=finished - timedelta(seconds=wait + run),
            queued_at=finished - timedelta(seconds=wait + run),
            started_at=finished - timedelta(seconds=run),
            finished_at=finished,
        )
    failed = JobFactory.create(failed=True, finished_at=minute)
    JobAttempt.objects.create(
        id=uuid.uuid4(),
        job=failed,
        number=1,
        started_at=minute - timedelta(seconds=1),
        finished_at=minute,
        outcome=JobAttempt.Outcome.RETRYING,
    )
    JobFactory.create(succeeded=True, finished_at=now - timedelta(minutes=90))

    # when
    minutes = series.last_hour(now=now)

    # then
    assert len(minutes) == 60
    assert minutes[-1].at == now.replace(second=0)
    counted = {m.at: m for m in minutes}[minute.replace(second=0)]
    assert (counted.succeeded, counted.failed, counted.retried) == (2, 1, 1)
    assert counted.wait_p50 == 1.0
    assert counted.wait_p95 == 3.0
    assert counted.run_p50 == 2.0
    assert sum(m.succeeded for m in minutes) == 2
    assert series.failure_ratio(minutes) == 1 / 3


def test_the_overview_json_has_queues_series_and_the_failure_ratio(operator: Client) -> None:
    JobFactory.create(queue="default")
    JobFactory.create(failed=True, finished_at=timezone.now())

    data = operator.get("/dashboard/live/overview").json()

    default = next(q for q in data["queues"] if q["name"] == "default")
    assert default["waiting"] == 1
    assert default["backlog"] == 1
    assert len(data["minutes"]) == 60
    assert data["minutes"][-1]["failed"] == 1
    assert data["failure_ratio"] == 1.0
