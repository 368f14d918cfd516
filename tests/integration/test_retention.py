"""Retention deletes finished jobs past their age, in batches, and nothing else."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from conveyor.core.rates import parse_rate
from conveyor.jobs import retention
from conveyor.jobs.models import IdempotencyKey, Job, JobAttempt
from conveyor.ratelimits.limits import forget_abandoned_limits
from conveyor.ratelimits.models import RateLimitBucket, RateLimitGrant
from tests.factories import ApiClientFactory, JobFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def attempt_of(job: Job) -> JobAttempt:
    started = job.started_at or job.created_at
    return JobAttempt.objects.create(
        id=uuid.uuid4(),
        job=job,
        number=1,
        started_at=started,
        finished_at=started,
        outcome=JobAttempt.Outcome.SUCCEEDED,
    )


def test_deletes_old_finished_jobs_in_batches_with_their_attempts_and_keys() -> None:
    # given five jobs finished 40 days ago, in every final state, with attempts and a key
    now = timezone.now()
    long_ago = now - 40 * DAY
    old = [
        *JobFactory.create_batch(2, succeeded=True, created_at=long_ago),
        *JobFactory.create_batch(2, failed=True, created_at=long_ago),
        JobFactory.create(cancelled=True, created_at=long_ago),
    ]
    for job in old:
        attempt_of(job)
    IdempotencyKey.objects.create(
        client=old[0].client, key="k1", body_hash="0" * 64, job=old[0], created_at=now
    )
    # and jobs to keep: an old one still queued, an old one scheduled, a recent success
    queued_long_ago = JobFactory.create(created_at=long_ago)
    scheduled_long_ago = JobFactory.create(scheduled=True, created_at=long_ago)
    recent = JobFactory.create(succeeded=True, created_at=now - DAY)

    # when retention runs with a 30-day age, two rows per batch
    deleted = retention.delete_finished(older_than=30 * DAY, now=now, batch_size=2)

    # then the old finished jobs are gone with their attempts and keys, the rest stays
    assert deleted == len(old)
    kept = set(Job.objects.values_list("pk", flat=True))
    assert kept == {queued_long_ago.pk, scheduled_long_ago.pk, recent.pk}
    assert not JobAttempt.objects.filter(job_id__in=[j.pk for j in old]).exists()
    assert not IdempotencyKey.objects.filter(key="k1").exists()


def test_a_second_pass_finds_nothing() -> None:
    now = timezone.now()
    JobFactory.create_batch(3, succeeded=True, created_at=now - 40 * DAY)
    assert retention.delete_finished(older_than=30 * DAY, now=now, batch_size=10) == 3
    assert retention.delete_finished(older_than=30 * DAY, now=now, batch_size=10) == 0


@override_settings(CONVEYOR_JOB_RETENTION=None, CONVEYOR_IDEMPOTENCY_TTL=timedelta(hours=1))
def test_zero_days_keeps_jobs_but_expired_keys_still_go() -> None:
    # given retention turned off, a very old job and an expired idempotency key
    now = timezone.now()
    job = JobFactory.create(succeeded=True, created_at=now - 400 * DAY)
    client = ApiClientFactory.create()
    IdempotencyKey.objects.create(
        client=client, key="old", body_hash="0" * 64, job=job, created_at=now - 2 * DAY
    )
    # when a retention pass runs
    report = retention.run(now=now)
    # then the job is kept and only the key is deleted
    assert report == retention.RetentionReport(jobs=0, idempotency_keys=1)
    assert Job.objects.filter(pk=job.pk).exists()


@override_settings(CONVEYOR_JOB_RETENTION=30 * DAY, CONVEYOR_FAILED_JOB_RETENTION=90 * DAY)
def test_failed_jobs_are_kept_for_their_own_longer_age() -> None:
    # given jobs that finished 40 and 100 days ago, failed and not
    now = timezone.now()
    failed_40 = JobFactory.create(failed=True, created_at=now - 40 * DAY)
    failed_100 = JobFactory.create(failed=True, created_at=now - 100 * DAY)
    succeeded_40 = JobFactory.create(succeeded=True, created_at=now - 40 * DAY)
    cancelled_40 = JobFactory.create(cancelled=True, created_at=now - 40 * DAY)

    # when a retention pass runs
    report = retention.run(now=now)

    # then only the failed job of 40 days is left
    assert report.jobs == 3
    assert list(Job.objects.values_list("pk", flat=True)) == [failed_40.pk]
    assert not Job.objects.filter(pk__in=[failed_100.pk, succeeded_40.pk, cancelled_40.pk])


def test_failed_retention_defaults_to_the_job_retention(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from conveyor.config.settings.components import conveyor as component

    monkeypatch.setenv("CONVEYOR_JOB_RETENTION_DAYS", "7")
    monkeypatch.delenv("CONVEYOR_FAILED_JOB_RETENTION_DAYS", raising=False)
    assert importlib.reload(component).CONVEYOR_FAILED_JOB_RETENTION == 7 * DAY
    monkeypatch.setenv("CONVEYOR_FAILED_JOB_RETENTION_DAYS", "0")
    assert importlib.reload(component).CONVEYOR_FAILED_JOB_RETENTION is None
    monkeypatch.undo()
    importlib.reload(component)


@override_settings(CONVEYOR_QUEUE_RATE_LIMITS={"http": parse_rate("10/h")})
def test_rows_of_rate_limits_taken_out_of_the_settings_go_after_a_day() -> None:
    now = timezone.now()
    # given a limit in force (queue http) with a start long out of its window
    RateLimitBucket.objects.create(key="queue:http", created_at=now - 3 * DAY)
    RateLimitGrant.objects.create(key="queue:http", at=now - 2 * DAY)
    # and a limit taken out yesterday: an old start and one from an hour ago
    RateLimitBucket.objects.create(key="type:gone", created_at=now - 3 * DAY)
    RateLimitGrant.objects.create(key="type:gone", at=now - 2 * DAY)
    RateLimitGrant.objects.create(key="type:gone", at=now - timedelta(hours=1))
    # and one taken out long ago, with no start left
    RateLimitBucket.objects.create(key="queue:old", created_at=now - 3 * DAY)

    # when retention's pass over rate limits runs
    deleted = forget_abandoned_limits(now=now)

    # then the old start and the empty bucket of abandoned limits went, nothing else
    assert deleted == 2
    grants = sorted(RateLimitGrant.objects.values_list("key", "at"))
    assert grants == [("queue:http", now - 2 * DAY), ("type:gone", now - timedelta(hours=1))]
    assert set(RateLimitBucket.objects.values_list("key", flat=True)) == {
        "queue:http",
        "type:gone",
    }
    # and a day later the rest of the abandoned limit goes too
    assert forget_abandoned_limits(now=now + 2 * DAY) == 2
    assert set(RateLimitBucket.objects.values_list("key", flat=True)) == {"queue:http"}
