"""A claim's and an outcome's SQL is written once per shape, and each job's values still
reach its own row (conveyor_worker/statements.py)."""

from __future__ import annotations

import pytest

from conveyor.jobs.models import Job, JobAttempt
from conveyor_worker import attempts, statements
from conveyor_worker.attempts import Failure, Lease
from tests import shared_services as real_services
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres() -> None:
    real_services.require("postgres")


@pytest.fixture(autouse=True)
def _no_shapes_yet() -> None:
    statements.forget_shapes()


def _claimed(job: Job, worker: str) -> Lease:
    lease = attempts.claim(job.id, worker=worker, message_id=None)
    assert lease is not None
    return lease


def test_a_second_job_reuses_the_statements_and_keeps_its_own_values() -> None:
    # given: a first job claimed and ended, so both statements are written
    first = JobFactory.create()
    assert attempts.record_success(_claimed(first, "w1"), {"n": 1})
    built = statements.shapes_built()

    # when: another job, another worker, another result
    second = JobFactory.create()
    lease = _claimed(second, "w2")
    won = attempts.record_success(lease, {"n": 2})

    # then: no statement written again, and each row holds its own values
    assert won
    assert statements.shapes_built() == built
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.result, first.lease_owner) == ("succeeded", {"n": 1}, "w1")
    assert (second.state, second.result, second.lease_owner) == ("succeeded", {"n": 2}, "w2")
    attempt = JobAttempt.objects.get(job=second)
    assert (attempt.id, attempt.worker, attempt.outcome) == (lease.token, "w2", "succeeded")


def test_an_outcome_of_another_shape_gets_a_statement_of_its_own() -> None:
    # given
    done = JobFactory.create()
    assert attempts.record_success(_claimed(done, "w1"), None)
    built = statements.shapes_built()
    job = JobFactory.create()
    lease = _claimed(job, "w1")

    # when: a failure also writes the error's columns
    won = attempts.record_failure(lease, Failure("ValueError", "bad input", "Traceback ..."))

    # then
    assert won
    assert statements.shapes_built() == built + 1
    job.refresh_from_db()
    assert (job.state, job.error_type, job.error_message) == ("failed", "ValueError", "bad input")
    assert JobAttempt.objects.get(job=job).error_message == "bad input"


def test_a_stale_lease_still_records_nothing() -> None:
    # given: a job whose lease was lost (its token is no longer the row's)
    job = JobFactory.create()
    lease = _claimed(job, "w1")
    Job.objects.filter(pk=job.pk).update(lease_token=None, state="queued")

    # when
    won = attempts.record_success(lease, {"late": True})

    # then
    assert not won
    job.refresh_from_db()
    assert (job.state, job.result) == ("queued", None)
    assert not JobAttempt.objects.filter(job=job).exists()
