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
from conveyor.jobs.insert import insert_job, insert_jobs
from conveyor.jobs.models import Job
from conveyor.jobs.services import prepare_job

pytestmark = pytest.mark.django_db


def _stored(job: Job) -> dict[str, Any]:
    row: dict[str, Any] = dict(Job.objects.filter(pk=job.pk).values().get())
    del row["id"]
    return row


SUBMISSIONS: list[dict[str, Any]] = [
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
]


@pytest.mark.parametrize("submission", SUBMISSIONS, ids=["plain", "every-field", "scheduled"])
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


def _submissions(now: Any) -> list[dict[str, Any]]:
    """One of each kind, and params whose text JSON must escape (quotes, backslashes,
    control characters, non-ASCII), with numbers at their limits."""
    tricky = {
        "a": {
            "text": 'a "quote", a \\ backslash, a tab\t, a newline\n, ünïcode ✓ 𝄞',
            "numbers": [0.1, 1.5e-7, 2**62, -3, 12345.678],
            "nested": [None, True, False, {"": ""}],
        }
    }
    return [
        *(
            {**s, "run_at": now + timedelta(hours=1)} if s.get("run_at") == "later" else s
            for s in SUBMISSIONS
        ),
        {"type": "demo.gather", "params": {"inputs": tricky}, "labels": {"k": 'v "q"'}},
    ]


def test_a_batch_is_the_rows_bulk_create_stores(me: ApiClient) -> None:
    # given: two batches prepared alike
    now = timezone.now()
    submissions = _submissions(now)
    by_orm = [prepare_job(client=me, now=now, **s) for s in submissions]
    by_insert = [prepare_job(client=me, now=now, **s) for s in submissions]

    # when: one is stored by Django's bulk_create, the other inserted
    Job.objects.bulk_create(by_orm)
    with CaptureQueriesContext(connections[database.alias()]) as queries:
        insert_jobs(by_insert)

    # then: one statement, and the same rows
    assert len(queries.captured_queries) == 1
    for inserted, created in zip(by_insert, by_orm, strict=True):
        assert _stored(inserted) == _stored(created)
        assert inserted._state.adding is False
    # and what a job is read back as is what was prepared
    gathered = Job.objects.get(pk=by_insert[-1].pk)
    assert gathered.params == by_insert[-1].params
    assert gathered.created_at == now


def test_a_batch_with_a_stored_job_stores_none(me: ApiClient) -> None:
    from django.db import IntegrityError, transaction

    now = timezone.now()
    stored = prepare_job(client=me, now=now, type="demo.noop", params={})
    insert_job(stored)
    new = prepare_job(client=me, now=now, type="demo.noop", params={})
    with pytest.raises(IntegrityError), transaction.atomic(using=database.alias()):
        insert_jobs([new, stored])
    assert not Job.objects.filter(pk=new.pk).exists()


def test_a_field_that_computes_its_value_on_save_is_not_read_plainly() -> None:
    from django.db import models

    from conveyor.jobs.insert import _plain

    assert _plain(models.CharField(max_length=5))
    assert _plain(models.DateTimeField())
    assert not _plain(models.DateTimeField(auto_now=True))
    assert not _plain(models.DateField(auto_now_add=True))
    assert not _plain(models.FileField())


def _attributes(job: Job) -> dict[str, Any]:
    return {k: v for k, v in vars(job).items() if k not in ("_state", "id")}


@pytest.mark.parametrize("submission", SUBMISSIONS, ids=["plain", "every-field", "scheduled"])
def test_a_new_job_is_the_one_init_makes(me: ApiClient, submission: dict[str, Any]) -> None:
    from conveyor.jobs.services import new_job

    now = timezone.now()
    values = {k: v for k, v in submission.items() if k != "run_at"}
    values.update(state="queued", max_attempts=3, timeout_seconds=60, created_at=now)
    values["updated_at"] = now
    made, init = new_job(me, **values), Job(client=me, **values)
    assert _attributes(made) == _attributes(init)
    assert vars(made._state) == vars(init._state)  # its client cached, not read again
    assert made.id != init.id
    assert made.client is me


def test_a_new_job_refuses_what_is_not_a_field(me: ApiClient) -> None:
    from conveyor.jobs.services import new_job

    with pytest.raises(TypeError, match="colour"):
        new_job(me, type="demo.noop", colour="red")


def test_a_new_job_runs_init_where_its_signals_are_listened_to(me: ApiClient) -> None:
    from django.db.models.signals import post_init

    from conveyor.jobs.services import new_job

    seen: list[Job] = []

    def receiver(sender: type[Job], instance: Job, **kwargs: Any) -> None:
        seen.append(instance)

    post_init.connect(receiver, sender=Job)
    try:
        job = new_job(me, type="demo.noop")
    finally:
        post_init.disconnect(receiver, sender=Job)
    assert seen == [job]
