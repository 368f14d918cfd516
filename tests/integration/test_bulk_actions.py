"""Operators' bulk actions (conveyor/jobs/bulk.py): filters, counts, cancel, retry, delete
and a re-run with edited params, on the real database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conveyor.core.errors import Conflict, InvalidInput
from conveyor.jobs import bulk
from conveyor.jobs.bulk import JobFilter
from conveyor.jobs.models import Job
from conveyor.jobs.states import JobState
from conveyor_worker import attempts
from tests.factories import ApiClientFactory, JobFactory

pytestmark = pytest.mark.django_db


def states_of(jobs: list[Job]) -> list[str]:
    return [Job.objects.get(pk=job.pk).state for job in jobs]


def test_filter_matches_on_every_field_and_counts_per_state() -> None:
    # given
    now = timezone.now()
    client, other = ApiClientFactory.create(), ApiClientFactory.create()
    hit = JobFactory.create(
        client=client,
        type="demo.sleep",
        queue="default",
        labels={"team": "a"},
        params={"seconds": 12345},
        failed=True,
        error_message="Disk FULL",
    )
    JobFactory.create(client=client, type="demo.noop", labels={"team": "a"}, failed=True)
    JobFactory.create(client=client, type="demo.sleep", labels={"team": "b"}, failed=True)
    JobFactory.create(client=other, type="demo.sleep", labels={"team": "a"}, failed=True)
    JobFactory.create(client=client, type="demo.sleep", labels={"team": "a"})

    def ids(f: JobFilter, who: Any = client) -> set[Any]:
        return set(bulk.matching_jobs(f, client=who).values_list("pk", flat=True))

    # then
    base = JobFilter(states=("failed",), types=("demo.sleep",), label="team=a")
    assert ids(base) == {hit.pk}
    assert len(ids(base, None)) == 2  # the operator sees every client's
    assert ids(JobFilter(text="disk full")) == {hit.pk}  # the error message
    assert ids(JobFilter(text="12345")) == {hit.pk}  # the params
    assert ids(JobFilter(client_id=other.pk), None) == {
        j.pk for j in Job.objects.filter(client=other)
    }
    assert ids(JobFilter(finished_after=now - timedelta(minutes=1), text="disk")) == {hit.pk}
    assert ids(JobFilter(finished_before=now - timedelta(minutes=1))) == set()
    assert bulk.count_matching(JobFilter(label="team=a"), client=client) == {
        "failed": 2,
        "queued": 1,
    }
    with pytest.raises(InvalidInput) as bad:
        bulk.matching_jobs(JobFilter(label="no-equals-sign"), client=None)
    assert bad.value.errors[0]["field"] == "label"


def test_bulk_cancel_cancels_waiting_jobs_and_asks_running_ones_to_stop(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: 5 queued, 1 scheduled, 1 running, 1 succeeded (untouched), another client's
    client = ApiClientFactory.create()
    waiting = [
        *JobFactory.create_batch(5, client=client),
        JobFactory.create(client=client, scheduled=True),
    ]
    running = JobFactory.create(client=client)
    assert attempts.claim(running.pk, worker="w1", message_id=None) is not None
    done = JobFactory.create(client=client, succeeded=True)
    foreign = JobFactory.create()

    # when: in batches of 2
    with django_capture_on_commit_callbacks(execute=True):
        count = bulk.bulk_cancel(JobFilter(), client=client, batch_size=2)

    # then
    assert count == 7
    assert states_of(waiting) == ["cancelled"] * 6
    assert states_of([running, done, foreign]) == ["cancelling", "succeeded", "queued"]
    assert all(Job.objects.get(pk=j.pk).finished_at is not None for j in waiting)


def test_bulk_retry_requeues_failed_and_cancelled_jobs_and_publishes_them(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    sent: list[Any] = []
    monkeypatch.setattr(
        "conveyor.jobs.publishing.publish_all", lambda messages: sent.extend(messages)
    )
    failed = JobFactory.create_batch(3, failed=True, type="demo.fail")
    cancelled = JobFactory.create(cancelled=True, type="demo.fail")
    succeeded = JobFactory.create(succeeded=True, type="demo.fail")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        count = bulk.bulk_retry(JobFilter(types=("demo.fail",)), client=None, batch_size=2)

    # then
    assert count == 4
    assert states_of([*failed, cancelled, succeeded]) == ["queued"] * 4 + ["succeeded"]
    assert {m.job_id for m in sent} == {j.pk for j in [*failed, cancelled]}
    again = Job.objects.get(pk=failed[0].pk)
    assert (again.attempts, again.error_type, again.finished_at) == (0, "", None)


def test_bulk_delete_deletes_only_finished_jobs() -> None:
    # given
    JobFactory.create(succeeded=True)
    JobFactory.create(failed=True)
    queued = JobFactory.create()

    # when
    count = bulk.bulk_delete(JobFilter(), client=None, batch_size=1)

    # then
    assert count == 2
    assert list(Job.objects.values_list("pk", flat=True)) == [queued.pk]


def test_requeue_with_params_runs_a_failed_job_again_as_a_new_job() -> None:
    # given
    old = JobFactory.create(
        type="demo.sleep", params={"seconds": 1}, failed=True, labels={"team": "a"}, priority=7
    )

    # when
    new = bulk.requeue_with_params(old, {"seconds": 0.5})

    # then
    assert new.pk != old.pk
    assert (new.state, new.type, new.params["seconds"], new.labels, new.priority) == (
        JobState.QUEUED,
        "demo.sleep",
        0.5,
        {"team": "a"},
        7,
    )
    assert Job.objects.get(pk=old.pk).state == "failed"


def test_requeue_with_params_refuses_params_off_the_schema_and_unfinished_jobs() -> None:
    old = JobFactory.create(type="demo.sleep", params={"seconds": 1}, failed=True)
    with pytest.raises(InvalidInput) as bad:
        bulk.requeue_with_params(old, {"seconds": "soon"})
    assert bad.value.errors[0]["field"] == "params.seconds"
    assert Job.objects.count() == 1
    with pytest.raises(Conflict):
        bulk.requeue_with_params(JobFactory.create(), {})
