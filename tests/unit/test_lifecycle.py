"""The lifecycle's compare-and-set transitions, on real rows in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conveyor.config.celery import app
from conveyor.config.tasks import EXECUTE_JOB_TASK
from conveyor.jobs import lifecycle, services
from conveyor.jobs.models import Job, JobAttempt
from conveyor_worker import attempts, dispatcher, reconcile
from conveyor_worker.attempts import Failure, Lease
from tests import shared_services as real_services
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db

BOOM = Failure("RuntimeError", "boom", "Traceback ...")


@pytest.fixture(autouse=True)
def _postgres() -> None:
    real_services.require("postgres")


def claim(job: Job, worker: str = "w1") -> Lease:
    taken = attempts.claim(job.id, worker=worker, message_id=None)
    assert taken is not None
    return taken


def state(job: Job) -> str:
    job.refresh_from_db()
    return job.state


def test_a_claim_starts_an_attempt_with_a_lease() -> None:
    # given
    job = JobFactory.create()
    message_id = "0b4f3c4e-0000-4000-8000-000000000001"

    # when
    taken = attempts.claim(job.id, worker="w1", message_id=message_id)

    # then
    assert taken is not None
    job.refresh_from_db()
    assert (job.state, job.attempts, job.lease_owner) == ("running", 1, "w1")
    assert job.lease_token == taken.token
    assert job.lease_expires_at is not None
    assert job.lease_expires_at > timezone.now()
    assert str(job.message_id) == message_id


def test_only_one_of_two_claims_wins() -> None:
    job = JobFactory.create()

    first = attempts.claim(job.id, worker="w1", message_id=None)
    second = attempts.claim(job.id, worker="w2", message_id=None)

    assert first is not None
    assert second is None
    job.refresh_from_db()
    assert (job.lease_owner, job.attempts) == ("w1", 1)


@pytest.mark.parametrize("trait", ["succeeded", "failed", "cancelled", "scheduled"])
def test_a_job_that_is_not_queued_cannot_be_claimed(trait: str) -> None:
    job = JobFactory.create(**{trait: True})

    assert attempts.claim(job.id, worker="late", message_id=None) is None
    assert state(job) == trait


def test_a_claim_of_a_missing_job_is_none() -> None:
    assert attempts.claim(JobFactory.build().id, worker="w", message_id=None) is None


def test_success_is_recorded_once_with_its_attempt() -> None:
    # given
    job = JobFactory.create()
    taken = claim(job)

    # when
    won = attempts.record_success(taken, {"answer": 42})
    again = attempts.record_success(taken, {"answer": 43})

    # then
    assert (won, again) == (True, False)
    job.refresh_from_db()
    assert (job.state, job.result, job.progress_percent) == ("succeeded", {"answer": 42}, 100.0)
    assert job.lease_token is None
    assert job.finished_at is not None
    attempt = JobAttempt.objects.get(job=job)
    assert (attempt.id, attempt.number, attempt.outcome) == (taken.token, 1, "succeeded")


def test_a_claim_and_an_outcome_are_one_statement_each() -> None:
    # given
    job = JobFactory.create()

    # when
    with CaptureQueriesContext(connection) as claimed:
        taken = claim(job)
    with CaptureQueriesContext(connection) as ended:
        attempts.record_failure(taken, BOOM)

    # then: one round trip each, the outcome waking long-polls in the same statement
    assert len(claimed.captured_queries) == 1
    assert [q["sql"].count("pg_notify") for q in ended.captured_queries] == [1]
    job.refresh_from_db()
    assert (job.state, job.error_type, job.lease_token) == ("failed", "RuntimeError", None)
    attempt = JobAttempt.objects.get(job=job)
    assert (attempt.id, attempt.outcome, attempt.error_message) == (taken.token, "failed", "boom")


@pytest.mark.django_db(transaction=True)
def test_only_a_claim_of_its_own_commits_without_waiting_for_the_disk() -> None:
    # given a job, and a connection in autocommit (as a worker's)
    job = JobFactory.create()

    # when it is claimed, then ends
    with CaptureQueriesContext(connection) as claimed:
        taken = claim(job)
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        after_claim = cursor.fetchone()
    with CaptureQueriesContext(connection) as ended:
        assert attempts.record_success(taken, None)

    # then the claim's statement turned synchronous commit off for itself only: the
    # session, and so the outcome's commit, still waits for the WAL flush
    assert "set_config('synchronous_commit', 'off', true)" in claimed.captured_queries[0]["sql"]
    assert after_claim == ("on",)
    assert "synchronous_commit" not in ended.captured_queries[0]["sql"]
    # and a claim inside a transaction (a rate-limited one) leaves its commit alone
    second = JobFactory.create()
    with transaction.atomic(), CaptureQueriesContext(connection) as inside:
        claim(second)
    assert "synchronous_commit" not in inside.captured_queries[0]["sql"]


def test_an_attempt_that_does_not_end_the_job_notifies_nobody() -> None:
    job = JobFactory.create()
    taken = claim(job)

    with CaptureQueriesContext(connection) as ended:
        outcome = attempts.record_retry(taken, BOOM, delay=timedelta(seconds=30))

    assert outcome == "retrying"
    assert [q["sql"].count("pg_notify") for q in ended.captured_queries] == [0]
    assert JobAttempt.objects.get(job=job).outcome == "retrying"


# A job a final hook wants (a webhook) ends through transition() on PostgreSQL too, not
# through the one-statement outcome: both paths must check the lease.
OUTCOME_PATHS = pytest.mark.parametrize(
    "webhook_url", ["", "http://127.0.0.1:9/hook"], ids=["one-statement", "with-a-final-hook"]
)


@OUTCOME_PATHS
def test_a_stale_lease_cannot_record_an_outcome(webhook_url: str) -> None:
    # given: the first attempt's lease lapsed and the job was handed to another worker
    job = JobFactory.create(webhook_url=webhook_url)
    stale = claim(job, "w1")
    assert lifecycle.transition(job.id, sources={"running"}, target="queued")
    current = claim(job, "w2")

    # when
    results = [
        attempts.record_success(stale, "late"),
        attempts.record_failure(stale, BOOM),
        attempts.record_retry(stale, BOOM, delay=timedelta(seconds=1)),
        attempts.record_progress(stale, 50, "half"),
    ]

    # then
    assert results == [False, False, None, False]
    job.refresh_from_db()
    assert (job.state, job.lease_token, job.result) == ("running", current.token, None)
    assert not JobAttempt.objects.filter(job=job).exists()


@OUTCOME_PATHS
def test_the_current_lease_wins_over_a_stale_one_that_ends_first(webhook_url: str) -> None:
    # given: attempt 1's lease lapsed and attempt 2 holds the job
    job = JobFactory.create(webhook_url=webhook_url)
    stale = claim(job, "w1")
    assert lifecycle.transition(job.id, sources={"running"}, target="queued")
    current = claim(job, "w2")

    # when: the presumed-dead worker of attempt 1 reports a failure, then attempt 2 succeeds
    late = attempts.record_failure(stale, BOOM)
    won = attempts.record_success(current, {"from": "attempt 2"})

    # then: only attempt 2's outcome is on the job, and only its attempt is recorded
    assert (late, won) == (False, True)
    job.refresh_from_db()
    assert (job.state, job.result, job.error_type) == ("succeeded", {"from": "attempt 2"}, "")
    assert list(JobAttempt.objects.filter(job=job).values_list("id", "outcome")) == [
        (current.token, "succeeded")
    ]


def test_progress_is_recorded_while_the_lease_is_held() -> None:
    job = JobFactory.create()
    taken = claim(job)

    assert attempts.record_progress(taken, 40.0, "step 4 of 10")

    job.refresh_from_db()
    assert (job.progress_percent, job.progress_message) == (40.0, "step 4 of 10")


def test_failure_keeps_the_error_and_ends_the_job() -> None:
    job = JobFactory.create()
    taken = claim(job)

    assert attempts.record_failure(taken, BOOM, timed_out=True)

    job.refresh_from_db()
    assert (job.state, job.error_type, job.error_message) == ("failed", "RuntimeError", "boom")
    assert job.error_traceback == "Traceback ..."
    assert JobAttempt.objects.get(job=job).outcome == "timed_out"
    assert attempts.claim(job.id, worker="w2", message_id=None) is None


def test_renewing_a_lease_tells_the_state_until_the_attempt_ends() -> None:
    # given
    job = JobFactory.create()
    taken = claim(job)
    old_expiry = Job.objects.get(pk=job.pk).lease_expires_at
    assert old_expiry is not None

    # when / then
    assert attempts.renew_lease(job.id, taken.token) == "running"
    renewed = Job.objects.get(pk=job.pk).lease_expires_at
    assert renewed is not None
    assert renewed >= old_expiry
    services.job_cancel(job=Job.objects.get(pk=job.pk))
    assert attempts.renew_lease(job.id, taken.token) == "cancelling"
    assert attempts.record_cancelled(taken)
    assert attempts.renew_lease(job.id, taken.token) is None


def test_retry_waits_then_the_dispatcher_queues_it_again(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    job = JobFactory.create()
    taken = claim(job)
    before = timezone.now()

    # when: the attempt fails with attempts left
    ended = attempts.record_retry(taken, BOOM, delay=timedelta(seconds=30))

    # then: retrying until run_at, which is in the future
    assert ended == "retrying"
    job.refresh_from_db()
    assert job.state == "retrying"
    assert job.lease_token is None
    assert job.run_at is not None
    assert job.run_at >= before + timedelta(seconds=30)
    assert JobAttempt.objects.get(job=job).outcome == "retrying"
    with django_capture_on_commit_callbacks(execute=False) as early:
        assert dispatcher.release_due() == 0
    assert state(job) == "retrying"
    assert early == []

    # when: the dispatcher runs after run_at
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        released = dispatcher.release_due(now=job.run_at + timedelta(milliseconds=1))

    # then: queued again, published once on commit, and claimable for attempt 2
    assert released == 1
    job.refresh_from_db()
    assert job.state == "queued"
    assert job.run_at is None
    assert len(callbacks) == 1
    assert claim(job).job.attempts == 2


def test_release_due_also_releases_scheduled_jobs_and_leaves_others(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    now = timezone.now()
    due = JobFactory.create(scheduled=True, run_at=now - timedelta(seconds=1))
    later = JobFactory.create(scheduled=True, run_at=now + timedelta(hours=1))
    queued = JobFactory.create()

    # when
    with django_capture_on_commit_callbacks(execute=False):
        released = dispatcher.release_due(now=now)

    # then
    assert released == 1
    assert [state(due), state(later), state(queued)] == ["queued", "scheduled", "queued"]


@pytest.fixture
def broker_queue() -> Iterator[Any]:
    """The real broker's ``default`` queue (under this run's key prefix), emptied after."""
    real_services.require("redis")
    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue("default")
        queue.clear()
        try:
            yield queue
        finally:
            queue.clear()
            queue.close()


def test_release_due_publishes_the_job_id_to_the_broker(
    broker_queue: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    job = JobFactory.create(scheduled=True, run_at=timezone.now() - timedelta(seconds=1))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatcher.release_due() == 1

    # then: the message carries the job id only
    message = broker_queue.get(block=True, timeout=10)
    message.ack()
    assert message.headers["task"] == EXECUTE_JOB_TASK
    assert message.content_type == "application/json"  # never pickle
    args, kwargs, _ = message.decode()
    assert (args, kwargs) == ([str(job.id)], {})


@pytest.fixture
def own_queue() -> Iterator[str]:
    """A queue of the test's own on the real broker (the suite's processes share
    ``default``), emptied after."""
    real_services.require("redis")
    name = f"lifecycle-{uuid.uuid4().hex[:8]}"
    yield name
    with app.connection_for_write() as conn:
        conn.SimpleQueue(name).clear()


def job_ids_on(queue_name: str) -> list[str]:
    """The job ids of the messages waiting on the broker queue (taken off it)."""
    ids: list[str] = []
    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue(queue_name)
        while True:
            try:
                message = queue.get(block=True, timeout=2)
            except queue.Empty:
                return ids
            message.ack()
            args, _, _ = message.decode()
            ids.extend(args)


def test_a_job_handed_back_at_shutdown_is_queued_and_published_again(
    own_queue: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: a running attempt, delivered by a message the worker knows
    job = JobFactory.create(queue=own_queue)
    message_id = str(uuid.uuid4())
    assert attempts.claim(job.id, worker="w1", message_id=message_id) is not None

    # when: the worker, shutting down, hands it back
    with django_capture_on_commit_callbacks(execute=True):
        released = attempts.release_interrupted(job.id, message_id)

    # then: it says so, the job is queued for a new attempt, and its message is on the broker
    assert released is True
    job.refresh_from_db()
    assert (job.state, job.lease_token, job.attempts) == ("queued", None, 1)
    assert JobAttempt.objects.get(job=job).outcome == "interrupted"
    assert job_ids_on(own_queue) == [str(job.id)]


def test_a_job_whose_lease_lapsed_is_published_again(
    own_queue: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: a running attempt whose worker stopped renewing its lease
    job = JobFactory.create(queue=own_queue)
    claim(job)
    later = timezone.now() + timedelta(hours=1)

    # when: the reconciler finds it
    with django_capture_on_commit_callbacks(execute=True):
        report = reconcile.recover_lapsed(now=later)

    # then: it is queued again and its message is on the broker
    assert report.rerun == 1
    assert state(job) == "queued"
    assert job_ids_on(own_queue) == [str(job.id)]


def test_cancel_of_a_queued_job_is_immediate() -> None:
    job = JobFactory.create()

    cancelled = services.job_cancel(job=job)

    assert cancelled.state == "cancelled"
    assert cancelled.finished_at is not None
    assert attempts.claim(job.id, worker="w", message_id=None) is None


def test_cancel_of_a_running_job_waits_for_its_worker() -> None:
    # given
    job = JobFactory.create()
    taken = claim(job)

    # when
    cancelling = services.job_cancel(job=job)

    # then
    assert cancelling.state == "cancelling"
    assert cancelling.finished_at is None
    assert attempts.record_cancelled(taken)
    assert state(job) == "cancelled"
    assert JobAttempt.objects.get(job=job).outcome == "cancelled"


def test_a_retry_of_a_cancelling_job_cancels_it() -> None:
    # given
    job = JobFactory.create()
    taken = claim(job)
    services.job_cancel(job=job)

    # when
    ended = attempts.record_retry(taken, BOOM, delay=timedelta(seconds=5))

    # then
    assert ended == "cancelled"
    job.refresh_from_db()
    assert (job.state, job.run_at, job.lease_token) == ("cancelled", None, None)
    assert job.finished_at is not None
    assert JobAttempt.objects.get(job=job).outcome == "cancelled"


def test_a_cancelling_job_that_finishes_anyway_succeeds() -> None:
    job = JobFactory.create()
    taken = claim(job)
    services.job_cancel(job=job)

    assert attempts.record_success(taken, "done")

    assert state(job) == "succeeded"


def test_a_transition_the_lifecycle_forbids_is_a_programming_error() -> None:
    job = JobFactory.create(succeeded=True)

    with pytest.raises(ValueError, match="not allowed"):
        lifecycle.transition(job.id, sources={"succeeded"}, target="queued")

    assert state(job) == "succeeded"


def test_overdue_cancels_are_forced_to_cancelled() -> None:
    # given: a cancel asked long ago and ignored by the worker
    job = JobFactory.create()
    claim(job)
    services.job_cancel(job=job)
    later = timezone.now() + timedelta(minutes=5)

    # when
    overdue = dispatcher.overdue_cancels(now=later)

    # then
    assert [j.pk for j in overdue] == [job.pk]
    assert dispatcher.force_cancelled(overdue[0])
    assert state(job) == "cancelled"
    assert dispatcher.overdue_cancels(now=later) == []
