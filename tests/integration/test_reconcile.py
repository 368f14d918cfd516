"""The reconciler's rules on real rows: what it publishes again, what it runs again."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from conveyor.clients.services import api_client_create
from conveyor.jobs.models import Job, JobAttempt
from conveyor.jobs.states import JobState
from conveyor_worker import reconcile

pytestmark = pytest.mark.django_db


def make_job(
    state: str,
    *,
    queue: str = "default",
    published_ago: float = 60,
    lease_ago: float | None = None,
    attempts: int = 0,
    max_attempts: int = 3,
) -> Job:
    client, _ = api_client_create(name=f"rc-{uuid.uuid4().hex[:8]}", scopes=["jobs:write"])
    now = timezone.now()
    leased = lease_ago is not None
    return Job.objects.create(
        client=client,
        type="demo.noop",
        params={},
        queue=queue,
        state=state,
        max_attempts=max_attempts,
        attempts=attempts,
        timeout_seconds=60,
        created_at=now,
        updated_at=now,
        queued_at=now,
        published_at=now - timedelta(seconds=published_ago),
        lease_token=uuid.uuid4() if leased else None,
        lease_owner="w@host" if leased else "",
        started_at=now - timedelta(seconds=40) if leased else None,
        lease_expires_at=now - timedelta(seconds=lease_ago) if lease_ago is not None else None,
    )


def depth(value: int | None) -> Callable[[str], int | None]:
    return lambda queue: value


def test_only_the_missing_messages_are_published_again(
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    # given three queued jobs published long ago, of which the broker holds one message
    jobs = [make_job(JobState.QUEUED, published_ago=60 + i) for i in range(3)]
    make_job(JobState.QUEUED, published_ago=1)  # just published: its message is on its way
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # type: ignore[attr-defined]
        count = reconcile.republish_missing(depth_of=depth(2))
    # then two (4 queued - 2 held) are sent again: the two oldest
    assert count == 2
    assert len(callbacks) == 1
    renewed = {
        j.pk for j in Job.objects.filter(published_at__gt=timezone.now() - timedelta(seconds=5))
    }
    assert {jobs[2].pk, jobs[1].pk} <= renewed
    assert jobs[0].pk not in renewed


def test_nothing_is_published_when_the_broker_holds_every_message() -> None:
    for _ in range(3):
        make_job(JobState.QUEUED)

    assert reconcile.republish_missing(depth_of=depth(3)) == 0


def test_bundled_jobs_waiting_their_turn_are_not_published_again() -> None:
    # given a batch of 64 jobs published together long ago: two bundles of 32 at least
    batch = make_job(JobState.QUEUED, published_ago=60)
    for _ in range(63):
        job = make_job(JobState.QUEUED)
        Job.objects.filter(pk=job.pk).update(published_at=batch.published_at)
    # when the broker holds two messages, nothing is missing; with one, something is
    assert reconcile.republish_missing(depth_of=depth(2)) == 0
    assert reconcile.republish_missing(depth_of=depth(1)) > 0


def test_nothing_is_published_while_the_broker_cannot_be_asked() -> None:
    make_job(JobState.QUEUED)

    assert reconcile.republish_missing(depth_of=depth(None)) == 0


def test_a_lapsed_lease_runs_the_job_again_as_a_new_attempt(
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    job = make_job(JobState.RUNNING, lease_ago=5, attempts=1)

    with django_capture_on_commit_callbacks(execute=False):  # type: ignore[attr-defined]
        report = reconcile.recover_lapsed()

    job.refresh_from_db()
    assert report.rerun == 1
    assert job.state == JobState.QUEUED
    assert job.lease_token is None
    attempt = JobAttempt.objects.get(job=job)
    assert attempt.outcome == JobAttempt.Outcome.LOST
    assert attempt.worker == "w@host"


def test_a_lapsed_lease_with_no_attempts_left_fails_the_job() -> None:
    job = make_job(JobState.RUNNING, lease_ago=5, attempts=3, max_attempts=3)

    report = reconcile.recover_lapsed()

    job.refresh_from_db()
    assert report.failed == 1
    assert job.state == JobState.FAILED
    assert job.error_type == "WorkerLost"


def test_a_lapsed_cancelling_job_is_cancelled() -> None:
    job = make_job(JobState.CANCELLING, lease_ago=5, attempts=1)

    assert reconcile.recover_lapsed().cancelled == 1
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED


def test_a_live_lease_is_left_alone() -> None:
    job = make_job(JobState.RUNNING, lease_ago=-20, attempts=1)  # expires in 20 s

    report = reconcile.recover_lapsed()

    job.refresh_from_db()
    assert not report.any()
    assert job.state == JobState.RUNNING
