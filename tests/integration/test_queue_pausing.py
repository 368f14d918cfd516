"""Pausing a queue (conveyor/queues/pausing.py) and the live workers' list
(conveyor/queues/workers.py), on the real database; with real workers on both brokers in
tests/e2e/test_queue_pause.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conveyor.core.errors import NotFound
from conveyor.jobs.models import Job
from conveyor.queues import pausing, workers
from conveyor.queues.models import WorkerPresence
from conveyor_worker import admission, attempts
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def broadcasts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, Any]]:
    sent: list[tuple[str, Any, Any]] = []
    monkeypatch.setattr(
        pausing,
        "broadcast",
        lambda command, arguments, destination=None: sent.append((command, arguments, destination)),
    )
    return sent


def test_pause_and_resume_change_the_paused_set_and_refuse_unknown_queues() -> None:
    pausing.pause_queue("default")
    pausing.pause_queue("default")  # again: nothing changes
    assert pausing.paused_queues() == frozenset({"default"})
    assert pausing.is_paused("default")
    assert not pausing.is_paused("http")
    pausing.resume_queue("default")
    assert pausing.paused_queues() == frozenset()
    with pytest.raises(NotFound):
        pausing.pause_queue("no-such-queue")


def test_a_paused_queues_job_is_not_claimed_and_runs_after_resume(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a job on a paused queue, and one on another queue
    sent: list[Any] = []
    monkeypatch.setattr("conveyor.jobs.publishing.publish_all", lambda m: sent.extend(m))
    paused = JobFactory.create(queue="default")
    other = JobFactory.create(queue="http")
    pausing.pause_queue("default")

    # when a worker got its message anyway
    lease = admission.claim_within_limits(paused.pk, worker="w", message_id=None)

    # then it is left queued, marked to publish again, and the other queue still runs
    assert lease is None
    assert Job.objects.filter(pk=paused.pk, state="queued", published_at=None).exists()
    assert attempts.claim(other.pk, worker="w", message_id=None) is not None

    # when resumed: the job handed back is published again, and can be claimed
    with django_capture_on_commit_callbacks(execute=True):
        pausing.resume_queue("default")
    assert [m.job_id for m in sent] == [paused.pk]
    assert attempts.claim(paused.pk, worker="w", message_id=None) is not None


def test_pause_and_resume_broadcast_to_the_workers(
    broadcasts: list[tuple[str, Any, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    now = timezone.now()
    workers.report_presence(
        name="celery@a", queues=["default"], concurrency=2, version="1", started_at=now
    )
    workers.report_presence(
        name="celery@b", queues=["http"], concurrency=2, version="1", started_at=now
    )
    with django_capture_on_commit_callbacks(execute=True):
        pausing.pause_queue("default")
        pausing.resume_queue("default")
    assert broadcasts == [
        ("cancel_consumer", {"queue": "default"}, None),
        ("add_consumer", {"queue": "default"}, ["celery@a"]),
    ]


def test_live_workers_lists_reporting_workers_with_the_jobs_they_hold() -> None:
    # given two workers reporting, one gone quiet, and a job running on the first
    now = timezone.now()
    workers.report_presence(
        name="celery@a",
        queues=["http", "default"],
        concurrency=4,
        version="0.1.0",
        started_at=now,
    )
    workers.report_presence(
        name="celery@b", queues=["default"], concurrency=1, version="0.1.0", started_at=now
    )
    workers.report_presence(
        name="celery@old", queues=["default"], concurrency=1, version="0.0.9", started_at=now
    )
    WorkerPresence.objects.filter(name="celery@old").update(seen_at=now - timedelta(hours=1))
    job = JobFactory.create()
    assert attempts.claim(job.pk, worker="celery@a", message_id=None) is not None

    # when
    live = workers.live_workers()

    # then
    assert [w.name for w in live] == ["celery@a", "celery@b"]
    a = live[0]
    assert (a.queues, a.concurrency, a.version, a.running_job_ids) == (
        ("default", "http"),
        4,
        "0.1.0",
        (job.pk,),
    )
    assert 0 <= a.heartbeat_age_seconds < 60
    assert live[1].running_job_ids == ()
    assert workers.delete_gone(older_than=now - timedelta(minutes=1)) == 1  # celery@old
    assert not WorkerPresence.objects.filter(name="celery@old").exists()
    workers.forget_worker("celery@b")
    assert [w.name for w in workers.live_workers()] == ["celery@a"]
