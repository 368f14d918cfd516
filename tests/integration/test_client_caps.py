"""A client's cap on its running jobs, on the real database: concurrent claims, a worker
gone, a client without a cap.

Every claim here goes through PostgreSQL's row locks, as several worker processes' do.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from prometheus_client import REGISTRY

from conveyor.jobs.models import Job
from conveyor.jobs.states import JobState
from conveyor_worker import attempts, reconcile
from conveyor_worker.admission import Deferred, claim_within_limits
from conveyor_worker.attempts import Lease
from conveyor_worker.execute import run_job
from tests.factories import ApiClientFactory, JobFactory

pytestmark = pytest.mark.django_db(transaction=True)


def claim_in_thread(job_id: str, start: threading.Barrier, name: str) -> Any:
    try:
        start.wait(timeout=30)
        return claim_within_limits(job_id, worker=name, message_id=None)
    finally:
        connection.close()


def test_concurrent_claims_never_exceed_the_clients_cap() -> None:
    # given a client capped at two running jobs, with eight queued
    client = ApiClientFactory.create(max_running_jobs=2)
    jobs = [str(JobFactory.create(client=client).pk) for _ in range(8)]
    start = threading.Barrier(len(jobs))
    # when eight workers, each on its own connection, claim one each at the same time
    with ThreadPoolExecutor(len(jobs)) as pool:
        outcomes = list(
            pool.map(lambda pair: claim_in_thread(pair[1], start, f"w{pair[0]}"), enumerate(jobs))
        )
    # then exactly two start; the others wait, scheduled, without using an attempt
    assert sum(isinstance(o, Lease) for o in outcomes) == 2
    put_off = [o for o in outcomes if isinstance(o, Deferred)]
    assert len(put_off) == 6
    assert all(o.client_cap == 2 and o.refused_by == () for o in put_off)
    waiting = Job.objects.filter(pk__in=[o.job_id for o in put_off])
    assert {(job.state, job.attempts) for job in waiting} == {(JobState.SCHEDULED, 0)}
    assert Job.objects.filter(client=client, state=JobState.RUNNING).count() == 2


def test_a_dead_workers_job_counts_until_the_reconciler_ends_it(settings: Any) -> None:
    # given a client at its cap of one: its running job's worker died (the lease lapsed)
    settings.CONVEYOR_MAX_RUNNING_JOBS_PER_CLIENT = 1  # the platform's default applies
    client = ApiClientFactory.create()
    first, second = JobFactory.create(client=client), JobFactory.create(client=client)
    lease = claim_within_limits(str(first.pk), worker="gone", message_id=None)
    assert isinstance(lease, Lease)
    Job.objects.filter(pk=first.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    # then while the reconciler has not ended it, it still holds the client's place
    assert isinstance(claim_within_limits(str(second.pk), worker="w", message_id=None), Deferred)
    # when the reconciler ends the lapsed attempt (the job is queued again)
    assert reconcile.recover_lapsed().rerun == 1
    # then the client has room: a job of it starts, and the other one waits
    Job.objects.filter(pk=second.pk).update(state=JobState.QUEUED, run_at=None)
    assert isinstance(claim_within_limits(str(second.pk), worker="w", message_id=None), Lease)
    assert isinstance(claim_within_limits(str(first.pk), worker="w", message_id=None), Deferred)


def test_a_client_without_a_cap_claims_in_one_statement(
    settings: Any, django_assert_num_queries: Any
) -> None:
    # given a platform default cap, and a client whose own 0 lifts it
    settings.CONVEYOR_MAX_RUNNING_JOBS_PER_CLIENT = 1
    client = ApiClientFactory.create(max_running_jobs=0)
    jobs = [JobFactory.create(client=client) for _ in range(3)]
    # then each of its claims is the single statement, and none waits
    for job in jobs:
        with django_assert_num_queries(1):
            lease = claim_within_limits(str(job.pk), worker="w", message_id=None)
        assert isinstance(lease, Lease)


def test_a_capped_clients_jobs_are_left_out_of_a_bundles_claim() -> None:
    # given a bundle holding jobs of a capped client and of one without a cap
    capped, free = ApiClientFactory.create(max_running_jobs=5), ApiClientFactory.create()
    capped_jobs = [JobFactory.create(client=capped) for _ in range(2)]
    free_jobs = [JobFactory.create(client=free) for _ in range(2)]
    # when a worker claims the bundle
    leases = attempts.claim_bundle(
        [job.pk for job in capped_jobs + free_jobs], worker="w", message_id=None
    )
    # then only the uncapped client's are claimed; the others stay queued, for admission
    assert {lease.job.pk for lease in leases} == {job.pk for job in free_jobs}
    assert set(Job.objects.filter(client=capped).values_list("state", flat=True)) == {
        JobState.QUEUED
    }


def capped_count(queue: str) -> float:
    value = REGISTRY.get_sample_value("conveyor_client_capped_total", {"queue": queue})
    return value or 0.0


def test_the_worker_puts_off_a_job_over_its_clients_cap_and_counts_it() -> None:
    # given a client capped at one running job, which runs one already
    client = ApiClientFactory.create(max_running_jobs=1)
    running, waits = JobFactory.create(client=client), JobFactory.create(client=client)
    assert isinstance(claim_within_limits(str(running.pk), worker="w", message_id=None), Lease)
    before = capped_count("default")
    # when the worker gets the other job's message
    assert run_job(str(waits.pk), message_id=None, worker="w") is None
    # then it waits, scheduled for later, without an attempt, and is counted
    job = Job.objects.get(pk=waits.pk)
    assert (job.state, job.attempts) == (JobState.SCHEDULED, 0)
    assert job.run_at is not None
    assert capped_count("default") == before + 1
