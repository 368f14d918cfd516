"""A new job's row is inserted by one prepared-once statement (jobs/insert.py) and is the
row ``Model.save`` would have stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conveyor.clients.models import ApiClient
from conveyor.core import database
from conveyor.jobs.insert import insert_job
from conveyor.jobs.models import Job
from conveyor.jobs.services import prepare_job

pytestmark = pytest.mark.django_db


def _stored(job: Job) -> dict[str, Any]:
    row: dict[str, Any] = dict(Job.objects.filter(pk=job.pk).values().get())
    del row["id"]
    return row


@pytest.mark.parametrize(
    "submission",
    [
        {"type": "demo.noop", "params": {}},
        {
            "type": "demo.sleep",
            "params": {"seconds": 0.5},
            "priority": 9,
            "labels": {"team": "data", "ünïcode": "✓"},
            "webhook_url": "https://example.com/hook",
            "max_attempts": 2,
            "timeout_seconds": 30,
        },
        {"type": "demo.noop", "params": {}, "run_at": "later"},
    ],
    ids=["plain", "every-field", "scheduled"],
)
def test_the_row_is_the_one_save_stores(me: ApiClient, submission: dict[str, Any]) -> None:
    # given: two jobs prepared alike
    now = timezone.now()
    if submission.get("run_at") == "later":
        submission = {**submission, "run_at": now + timedelta(hours=1)}
    by_save = prepare_job(client=me, now=now, **submission)
    by_insert = prepare_job(client=me, now=now, **submission)

    # when: one is saved by the ORM, the other inserted
    by_save.save(force_insert=True)
    with CaptureQueriesContext(connections[database.alias()]) as queries:
        insert_job(by_insert)

    # then: one statement, and the same row
    assert len(queries.captured_queries) == 1
    assert queries.captured_queries[0]["sql"].startswith("INSERT INTO")
    assert _stored(by_insert) == _stored(by_save)
    # and the instance knows it is stored (a second save would be an UPDATE)
    assert by_insert._state.adding is False


def test_inserting_the_same_job_twice_fails_as_save_does(me: ApiClient) -> None:
    from django.db import IntegrityError, transaction

    job = prepare_job(client=me, now=timezone.now(), type="demo.noop", params={})
    insert_job(job)
    with pytest.raises(IntegrityError), transaction.atomic(using=database.alias()):
        insert_job(job)
