"""Firing a schedule on PostgreSQL: each due run once, whoever fires it and how often."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from conveyor.clients.services import api_client_revoke
from conveyor.jobs.models import Job
from conveyor.jobs.states import JobState
from conveyor.schedules import services
from conveyor.schedules.models import Schedule, ScheduleRun
from conveyor.schedules.timing import Interval
from tests.factories import ScheduleFactory

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)


def every_ten_seconds(**kwargs: object) -> Schedule:
    return ScheduleFactory.create(
        interval_seconds=10,
        now=START,
        job={"type": "demo.sleep", "params": {"seconds": 0}, "labels": {"team": "ops"}},
        **kwargs,
    )


def test_a_fire_submits_the_due_run_once() -> None:
    # given
    schedule = every_ten_seconds()
    at = START + timedelta(seconds=25)

    # when: fired, then fired again for the same run (a second beat's message)
    first = services.schedule_fire(schedule_id=schedule.pk, now=at)
    again = services.schedule_fire(schedule_id=schedule.pk, now=at + timedelta(seconds=4))

    # then
    assert first is not None
    assert again is None
    assert first.due_at == START + timedelta(seconds=20)
    job = Job.objects.get()
    assert job.pk == first.job_id
    assert job.state == JobState.QUEUED
    assert (job.type, job.params) == ("demo.sleep", {"seconds": 0.0, "steps": 10})
    assert job.labels == {
        "team": "ops",
        "conveyor/schedule": str(schedule.pk),
        "conveyor/due-at": first.due_at.isoformat(),
    }
    schedule.refresh_from_db()
    assert schedule.last_run_at == first.due_at


def test_the_next_due_instant_is_a_new_run() -> None:
    schedule = every_ten_seconds()

    runs = [
        services.schedule_fire(schedule_id=schedule.pk, now=START + timedelta(seconds=s))
        for s in (10.2, 14, 20.1, 31, 39.9)
    ]

    fired = [r.due_at - START for r in runs if r is not None]
    assert fired == [timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=30)]
    assert Job.objects.count() == 3


def test_of_many_concurrent_fires_of_one_run_one_submits() -> None:
    # given: eight workers fire the same run at the same moment, each on its own connection
    schedule = every_ten_seconds()
    barrier = threading.Barrier(8)

    def fire(_: int) -> bool:
        try:
            barrier.wait(timeout=10)
            at = START + timedelta(seconds=15)
            return services.schedule_fire(schedule_id=schedule.pk, now=at) is not None
        finally:
            connection.close()

    # when
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(fire, range(8)))

    # then
    assert results.count(True) == 1
    assert Job.objects.count() == 1
    assert ScheduleRun.objects.count() == 1


def test_nothing_fires_before_the_first_due_instant_or_while_disabled() -> None:
    schedule = every_ten_seconds()
    assert services.schedule_fire(schedule_id=schedule.pk, now=START + timedelta(seconds=9)) is None

    services.schedule_update(schedule=schedule, enabled=False, now=START)
    assert services.schedule_fire(schedule_id=schedule.pk, now=START + timedelta(hours=1)) is None
    assert Job.objects.count() == 0


def test_enabling_again_starts_afresh_without_a_catch_up_run() -> None:
    # given: disabled for an hour
    schedule = every_ten_seconds()
    services.schedule_update(schedule=schedule, enabled=False, now=START)
    back = START + timedelta(hours=1, seconds=3)

    # when
    services.schedule_update(schedule=schedule, enabled=True, now=back)

    # then: the grid starts at the moment it was enabled
    assert services.schedule_fire(schedule_id=schedule.pk, now=back + timedelta(seconds=9)) is None
    run = services.schedule_fire(schedule_id=schedule.pk, now=back + timedelta(seconds=10))
    assert run is not None
    assert run.due_at == back + timedelta(seconds=10)
    assert services.next_run_at(schedule, now=back) == back + timedelta(seconds=10)
    assert services.timing_of(schedule) == Interval(10)


def test_a_template_that_no_longer_validates_records_why_and_submits_nothing() -> None:
    # given: the job type was removed by a later deploy
    schedule = every_ten_seconds()
    Schedule.objects.filter(pk=schedule.pk).update(job={"type": "gone.away", "params": {}})

    # when
    run = services.schedule_fire(schedule_id=schedule.pk, now=START + timedelta(seconds=10))

    # then
    assert run is not None
    assert run.job_id is None
    assert "gone.away" in run.error
    assert Job.objects.count() == 0
    # and the run is not tried again
    assert (
        services.schedule_fire(schedule_id=schedule.pk, now=START + timedelta(seconds=11)) is None
    )


def test_a_schedule_that_is_gone_fires_nothing() -> None:
    schedule = every_ten_seconds()
    services.schedule_delete(schedule=schedule)

    assert (
        services.schedule_fire(schedule_id=schedule.pk, now=START + timedelta(seconds=10)) is None
    )


def test_a_revoked_clients_schedules_fire_nothing() -> None:
    # given: a schedule whose client's key is then revoked
    schedule = every_ten_seconds()
    api_client_revoke(client=schedule.client)

    # when: beat's message for a due run arrives
    run = services.schedule_fire(schedule_id=schedule.pk, now=START + timedelta(seconds=10))

    # then: no run, no job
    assert run is None
    assert Job.objects.count() == 0
    assert ScheduleRun.objects.count() == 0
