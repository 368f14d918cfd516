"""Compare-and-set on PostgreSQL: of many workers claiming one job at once, one wins."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from conveyor.clients.services import api_client_create
from conveyor.jobs.models import Job, JobAttempt
from conveyor.jobs.states import JobState
from conveyor_worker import attempts
from conveyor_worker.attempts import Failure

pytestmark = pytest.mark.django_db(transaction=True)


def queued_job() -> Job:
    client, _ = api_client_create(name=f"race-{uuid.uuid4().hex[:6]}", scopes=["jobs:write"])
    now = timezone.now()
    return Job.objects.create(
        client=client,
        type="demo.noop",
        params={},
        queue="default",
        state=JobState.QUEUED,
        max_attempts=3,
        timeout_seconds=60,
        created_at=now,
        updated_at=now,
        queued_at=now,
    )


def claim_in_thread(job_id: str, barrier: threading.Barrier, name: str) -> bool:
    try:
        barrier.wait(timeout=10)
        return attempts.claim(job_id, worker=name, message_id=None) is not None
    finally:
        connection.close()


def test_only_one_of_many_concurrent_claims_wins() -> None:
    # given one queued job and eight workers racing for it, each on its own connection
    job = queued_job()
    barrier = threading.Barrier(8)
    # when they all claim at the same moment
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: claim_in_thread(str(job.pk), barrier, f"w{i}"), range(8)))
    # then exactly one holds it, for one attempt
    assert results.count(True) == 1
    job.refresh_from_db()
    assert job.state == JobState.RUNNING
    assert job.attempts == 1


def test_a_stale_attempt_cannot_record_an_outcome() -> None:
    # given an attempt whose lease was taken over (its worker was presumed dead)
    job = queued_job()
    first = attempts.claim(str(job.pk), worker="old", message_id=None)
    assert first is not None
    Job.objects.filter(pk=job.pk).update(state=JobState.QUEUED, lease_token=None)
    second = attempts.claim(str(job.pk), worker="new", message_id=None)
    assert second is not None
    # when the old attempt finishes late
    late = attempts.record_failure(first, Failure(type="Boom", message="late"))
    # then nothing changes; the new attempt's outcome is the one recorded
    assert late is False
    assert attempts.record_success(second, {"ok": True}) is True
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    assert job.result == {"ok": True}
    assert list(JobAttempt.objects.filter(job=job).values_list("worker", flat=True)) == ["new"]


def test_a_finished_job_is_never_claimed_again() -> None:
    job = queued_job()
    attempt = attempts.claim(str(job.pk), worker="w", message_id=None)
    assert attempt is not None
    assert attempts.record_success(attempt, None)

    assert attempts.claim(str(job.pk), worker="w2", message_id=None) is None
    assert Job.objects.get(pk=job.pk).attempts == 1
