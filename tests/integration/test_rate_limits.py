"""Rate limits on the real database: the sliding window, its refusals, concurrent workers.

Every acquire here goes through PostgreSQL's row locks, as several worker processes'
acquires do in production.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client import REGISTRY

from conveyor.core.rates import parse_rate
from conveyor.jobs.models import Job
from conveyor.jobs.states import JobState
from conveyor.ratelimits.limiter import Limit, acquire
from conveyor.ratelimits.models import RateLimitGrant
from conveyor_worker.admission import Deferred, claim_within_limits
from conveyor_worker.execute import run_job
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db(transaction=True)
T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def limit(key: str, rate: str) -> Limit:
    return Limit(key=key, rate=parse_rate(rate))


def test_a_limit_lets_its_rate_through_then_says_when_a_slot_frees() -> None:
    three = [limit("type:t1", "3/s")]
    # given three starts within the second
    assert all(acquire(three, now=at(s)).granted for s in (0, 0.1, 0.2))
    # when a fourth comes before the first left the window
    refused = acquire(three, now=at(0.3))
    # then it is refused until the first start is a second old
    assert not refused.granted
    assert refused.retry_at == at(1.0)
    assert refused.refused_by == tuple(three)
    # and at that time a slot is free again
    assert acquire(three, now=at(1.0)).granted
    assert not acquire(three, now=at(1.05)).granted


def test_a_limit_that_refuses_costs_the_other_limits_nothing() -> None:
    queue, job_type = limit("queue:q1", "1/s"), limit("type:t2", "5/s")
    assert acquire([queue], now=at(0)).granted
    # when both limits apply and the queue's is full
    verdict = acquire([job_type, queue], now=at(0.5))
    # then the job is refused by the queue alone, and no slot of the type was used
    assert not verdict.granted
    assert verdict.refused_by == (queue,)
    assert verdict.retry_at == at(1.0)
    assert not RateLimitGrant.objects.filter(key="type:t2").exists()
    # and once both have room, the start counts under both
    assert acquire([job_type, queue], now=at(1.0)).granted
    assert RateLimitGrant.objects.filter(key="type:t2").count() == 1
    assert RateLimitGrant.objects.filter(key="queue:q1").count() == 2


def test_jobs_put_off_together_are_spread_over_the_coming_slots() -> None:
    two = [limit("type:t3", "2/s")]
    assert acquire(two, now=at(0)).granted
    assert acquire(two, now=at(0)).granted
    # when a backlog of four is refused at once
    retry = [acquire(two, now=at(0.1)).retry_at for _ in range(4)]
    # then each is told a later slot, half a second apart (2/s), not all the same time
    assert retry == [at(1.0), at(1.5), at(2.0), at(2.5)]


def test_a_lower_limit_takes_effect_at_once() -> None:
    # given ten starts under 10/s, then the limit lowered to 4/s (a rolling update)
    assert all(acquire([limit("type:t4", "10/s")], now=at(s / 100)).granted for s in range(10))
    # then the next start waits until only three of the ten are left in the window
    verdict = acquire([limit("type:t4", "4/s")], now=at(0.5))
    assert verdict.retry_at == at(1.06)


def acquire_for(rate: str, until: float, start: threading.Barrier) -> list[datetime]:
    """Acquire as fast as possible until ``until`` (monotonic); the times granted."""
    granted = []
    try:
        start.wait(timeout=30)
        while time.monotonic() < until:
            now = timezone.now()
            if acquire([limit("type:busy", rate)], now=now).granted:
                granted.append(now)
    finally:
        connection.close()
    return granted


def test_concurrent_acquires_never_exceed_the_rate() -> None:
    # given eight workers, each on its own database connection, hammering one 5/s limit
    threads = 8
    start = threading.Barrier(threads)
    until = time.monotonic() + 2.5
    # when they acquire at the same time for a few windows
    with ThreadPoolExecutor(threads) as pool:
        runs = list(pool.map(lambda _: acquire_for("5/s", until, start), range(threads)))
    granted = sorted(t for run in runs for t in run)
    # then every window of one second holds at most five starts
    assert len(granted) >= 5
    over = [
        (granted[i], granted[i + 5])
        for i in range(len(granted) - 5)
        if granted[i + 5] - granted[i] < timedelta(seconds=1)
    ]
    assert not over, over
    # and the starts came from several workers
    assert sum(1 for run in runs if run) >= 2


def claim_in_thread(job_id: str, start: threading.Barrier, name: str) -> Any:
    try:
        start.wait(timeout=30)
        return claim_within_limits(job_id, worker=name, message_id=None)
    finally:
        connection.close()


def test_a_duplicate_message_never_uses_a_slot(settings: Any) -> None:
    settings.CONVEYOR_TYPE_RATE_LIMITS = {"demo.noop": parse_rate("10/s")}
    # given one queued job whose message eight workers received at once
    job = JobFactory.create()
    start = threading.Barrier(8)
    # when they all try to start it
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: claim_in_thread(str(job.pk), start, f"w{i}"), range(8)))
    # then one runs it, and only that start counts against the limit
    assert sum(1 for r in results if r is not None) == 1
    assert RateLimitGrant.objects.filter(key="type:demo.noop").count() == 1


def test_a_job_over_its_limit_waits_scheduled_without_using_an_attempt(settings: Any) -> None:
    settings.CONVEYOR_QUEUE_RATE_LIMITS = {"default": parse_rate("1/m")}
    first, second = JobFactory.create(), JobFactory.create(priority=8)
    # when two jobs of the queue start within its minute
    claim = claim_within_limits(str(first.pk), worker="w1", message_id=None)
    deferred = claim_within_limits(str(second.pk), worker="w2", message_id=None)
    # then the first runs, from the instant its slot was granted
    assert claim is not None
    assert not isinstance(claim, Deferred)
    first.refresh_from_db()
    assert first.state == JobState.RUNNING
    grant = RateLimitGrant.objects.get(key="queue:default")
    assert first.started_at == grant.at
    # and the second waits, scheduled, until the minute is over, with its priority kept
    assert isinstance(deferred, Deferred)
    assert deferred.refused_by[0].key == "queue:default"
    second.refresh_from_db()
    assert second.state == JobState.SCHEDULED
    assert second.run_at == grant.at + timedelta(minutes=1)
    assert second.attempts == 0
    assert second.priority == 8


def rate_limited_count(job_type: str, queue: str) -> float:
    value = REGISTRY.get_sample_value(
        "conveyor_rate_limited_total", {"type": job_type, "queue": queue}
    )
    return value or 0.0


def test_the_worker_puts_off_a_job_over_its_limit_and_counts_it(settings: Any) -> None:
    settings.CONVEYOR_TYPE_RATE_LIMITS = {"demo.noop": parse_rate("1/h")}
    ran, waits = JobFactory.create(), JobFactory.create()
    before = rate_limited_count("demo.noop", "default")
    # when the worker gets both jobs' messages
    assert run_job(str(ran.pk), message_id=None, worker="w") == "succeeded"
    assert run_job(str(waits.pk), message_id=None, worker="w") is None
    # then the second is scheduled for later and counted as rate limited
    assert Job.objects.get(pk=waits.pk).state == JobState.SCHEDULED
    assert rate_limited_count("demo.noop", "default") == before + 1


def test_a_type_limit_can_be_lifted_by_the_setting(settings: Any) -> None:
    settings.CONVEYOR_TYPE_RATE_LIMITS = {"demo.noop": None}
    jobs = [JobFactory.create() for _ in range(3)]

    claims = [claim_within_limits(str(j.pk), worker="w", message_id=None) for j in jobs]

    assert all(c is not None and not isinstance(c, Deferred) for c in claims)
    assert not RateLimitGrant.objects.exists()


def test_without_any_limit_a_claim_is_its_one_statement(settings: Any) -> None:
    # given: no queue and no job type is limited
    settings.CONVEYOR_QUEUE_RATE_LIMITS = {}
    settings.CONVEYOR_TYPE_RATE_LIMITS = {}
    job = JobFactory.create()

    # when: a worker claims it under the limits
    with CaptureQueriesContext(connection) as queries:
        claim = claim_within_limits(str(job.pk), worker="w", message_id=None)

    # then: the claim's statement is the only query (no look at the job's limits)
    assert claim is not None
    assert not isinstance(claim, Deferred)
    assert len(queries.captured_queries) == 1, [q["sql"] for q in queries.captured_queries]
