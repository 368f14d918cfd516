"""Bundles on the real database: one message, many jobs, each job still its own.

The worker's part runs in this process (``run_bundle``) on real PostgreSQL rows;
``tests/faults/test_bundles.py`` runs bundles on real worker processes and brokers.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conveyor.core.rates import parse_rate
from conveyor.jobs import publishing, services
from conveyor.jobs.lifecycle import message_of
from conveyor.jobs.models import Job, JobAttempt
from conveyor.jobs.publishing import Bundle, Message, bundles_of
from conveyor_worker import attempts, reconcile
from conveyor_worker.bundles import run_bundle
from tests import shared_services as real_services
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres() -> None:
    real_services.require("postgres")


def messages(count: int, *, queue: str = "default", priority: int = 5) -> list[Message]:
    return [Message(uuid.uuid4(), queue, priority, 60) for _ in range(count)]


def ids_of(jobs: list[Job]) -> list[str]:
    return [str(job.id) for job in jobs]


def test_a_batch_goes_out_in_bundles_of_at_most_the_cap() -> None:
    sent = bundles_of(messages(1000))
    assert all(isinstance(m, Bundle) for m in sent)
    sizes = [len(m.job_ids) for m in sent if isinstance(m, Bundle)]
    assert sum(sizes) == 1000
    assert max(sizes) <= 32
    assert len(sent) == 32  # 1000 / 32, rounded up, sizes as even as can be


def test_a_small_batch_is_spread_over_several_messages() -> None:
    # 20 jobs still reach 8 idle processes; 3 go as three plain job messages
    assert len(bundles_of(messages(20))) == 8
    assert all(isinstance(m, Message) for m in bundles_of(messages(3)))


def test_a_bundle_holds_one_queue_and_priority_and_limited_jobs_go_alone() -> None:
    high, low, other = messages(16, priority=9), messages(16), messages(16, queue="q2")
    limited = high[0].job_id
    sent = bundles_of(high + low + other, alone={limited})
    bundles = [m for m in sent if isinstance(m, Bundle)]
    assert {(b.queue, b.priority) for b in bundles} == {("default", 9), ("default", 5), ("q2", 5)}
    assert Message(limited, "default", 9, 60) in sent
    assert all(limited not in b.job_ids for b in bundles)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What is published once transactions commit (kept here, not sent)."""
    published: list[Any] = []
    monkeypatch.setattr(publishing, "publish_all", published.extend)
    return published


def test_the_batch_endpoint_publishes_bundles(settings: Any, sent: list[Any]) -> None:
    from conveyor.clients.models import ApiClient
    from conveyor.jobs.batch import jobs_create_batch

    client = ApiClient.objects.create(name=f"c-{uuid.uuid4().hex[:6]}")
    settings.CONVEYOR_TYPE_RATE_LIMITS = {"demo.sleep": parse_rate("10/s")}
    sleep = {"type": "demo.sleep", "params": {"seconds": 0.1}}
    jobs_create_batch(client=client, items=[sleep] + [{"type": "demo.noop"}] * 40 + [sleep])
    bundles = [m for m in sent if isinstance(m, Bundle)]
    assert sum(len(b.job_ids) for b in bundles) == 40
    assert {m.job_id for m in sent if isinstance(m, Message)} == set(
        Job.objects.filter(type="demo.sleep", client=client).values_list("id", flat=True)
    )


def test_a_bundle_is_claimed_in_one_statement_and_each_job_recorded() -> None:
    jobs = JobFactory.create_batch(5)
    with CaptureQueriesContext(connection) as queries:
        states = run_bundle(ids_of(jobs), message_id=str(uuid.uuid4()), worker="w1")
    assert states == ["succeeded"] * 5
    claims = [q["sql"] for q in queries.captured_queries if "= ANY(" in q["sql"]]
    assert len(claims) == 1
    for job in jobs:
        job.refresh_from_db()
        assert (job.state, job.attempts, job.lease_token) == ("succeeded", 1, None)
        assert JobAttempt.objects.get(job=job).outcome == "succeeded"


def test_a_job_cancelled_while_its_bundle_waits_is_skipped() -> None:
    jobs = JobFactory.create_batch(3)
    services.job_cancel(job=jobs[1])
    states = run_bundle(ids_of(jobs), message_id=str(uuid.uuid4()), worker="w1")
    assert states == ["succeeded", "succeeded"]
    jobs[1].refresh_from_db()
    assert (jobs[1].state, jobs[1].attempts) == ("cancelled", 0)
    assert not JobAttempt.objects.filter(job=jobs[1]).exists()


def test_a_rate_limited_job_in_a_bundle_waits_for_its_limit(settings: Any) -> None:
    settings.CONVEYOR_TYPE_RATE_LIMITS = {"demo.noop": parse_rate("1/h")}
    jobs = JobFactory.create_batch(3)
    states = run_bundle(ids_of(jobs), message_id=str(uuid.uuid4()), worker="w1")
    # one start fits the hour; the other two are put off, unclaimed, without an attempt
    assert states.count("succeeded") == 1
    rows = Job.objects.filter(pk__in=[j.pk for j in jobs])
    assert sorted(r.state for r in rows) == ["scheduled", "scheduled", "succeeded"]
    assert sorted(r.attempts for r in rows) == [0, 0, 1]


def test_a_bundle_over_its_hold_gives_back_what_it_did_not_start(
    settings: Any, sent: list[Any]
) -> None:
    settings.CONVEYOR_BUNDLE_HOLD = timedelta(0)
    jobs = JobFactory.create_batch(4)
    states = run_bundle(ids_of(jobs), message_id=str(uuid.uuid4()), worker="w1")
    assert states == ["succeeded"]
    rows = sorted(Job.objects.filter(pk__in=[j.pk for j in jobs]), key=attempts.bundle_order)
    assert [(r.state, r.attempts) for r in rows] == [("succeeded", 1)] + [("queued", 0)] * 3
    assert all(r.lease_token is None and r.message_id is None for r in rows[1:])
    # published again once the give-back commits
    assert {m.job_id for m in sent} == {r.id for r in rows[1:]}


def test_a_dead_bundle_reruns_its_running_job_and_gives_back_the_rest(sent: list[Any]) -> None:
    # given a bundle claimed by a worker that then died (nothing renews the leases)
    jobs = JobFactory.create_batch(3)
    message_id = str(uuid.uuid4())
    leases = attempts.claim_bundle(ids_of(jobs), worker="w1", message_id=message_id)
    assert len(leases) == 3
    # when the reconciler finds the leases lapsed
    report = reconcile.recover_lapsed(now=timezone.now() + timedelta(hours=1))
    # then the first in order (the one running) used an attempt, the others none
    assert report.rerun == 3
    first, *rest = [lease.job for lease in leases]
    first.refresh_from_db()
    assert (first.state, first.attempts) == ("queued", 1)
    assert JobAttempt.objects.get(job=first).outcome == "lost"
    for job in rest:
        job.refresh_from_db()
        assert (job.state, job.attempts) == ("queued", 0)
        assert not JobAttempt.objects.filter(job=job).exists()


def test_a_message_from_before_bundles_still_runs() -> None:
    from conveyor_worker.execute import run_job

    job = JobFactory.create()
    assert run_job(str(job.id), message_id=str(uuid.uuid4()), worker="w1") == "succeeded"
    assert message_of(job).job_id == job.id


def test_a_dead_bundle_whose_leases_lapse_a_moment_apart_is_ended_at_once(
    sent: list[Any],
) -> None:
    # given a dead worker's bundle whose leases were renewed one after another
    jobs = JobFactory.create_batch(3)
    leases = attempts.claim_bundle(ids_of(jobs), worker="w1", message_id=str(uuid.uuid4()))
    now = timezone.now() + timedelta(hours=1)
    first, *rest = [lease.job for lease in leases]
    Job.objects.filter(pk=first.pk).update(lease_expires_at=now - timedelta(seconds=1))
    Job.objects.filter(pk__in=[j.pk for j in rest]).update(
        lease_expires_at=now + timedelta(milliseconds=200)
    )
    # when the reconciler runs between the lapses
    reconcile.recover_lapsed(now=now)
    # then it ends the whole bundle: the first used an attempt, the others none
    rows = {job.pk: job for job in Job.objects.filter(pk__in=[j.pk for j in jobs])}
    assert (rows[first.pk].state, rows[first.pk].attempts) == ("queued", 1)
    assert [(rows[j.pk].state, rows[j.pk].attempts) for j in rest] == [("queued", 0)] * 2


def test_each_job_of_a_bundle_has_its_own_time_limit() -> None:
    # given a job over its 1 s time limit, bundled before a short one
    slow = JobFactory.create(type="demo.sleep", params={"seconds": 30}, timeout_seconds=1)
    quick = JobFactory.create()
    # when the bundle runs
    states = run_bundle([str(slow.id), str(quick.id)], message_id=str(uuid.uuid4()), worker="w1")
    # then the slow one fails at its own limit and the next one still runs
    assert states == ["failed", "succeeded"]
    assert JobAttempt.objects.get(job=slow).outcome == "timed_out"
