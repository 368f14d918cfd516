"""A job's instants are written in the current time zone, ``Z`` for UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone

from conveyor.jobs.models import Job
from conveyor.jobs.representation import job_representation

AT = datetime(2026, 12, 7, 8, 30, 15, 123456, tzinfo=UTC)


def _job() -> Job:
    return Job(type="demo.noop", queue="default", state="queued", created_at=AT, updated_at=AT)


def test_instants_are_written_in_utc_with_z() -> None:
    with timezone.override("UTC"):
        shown = job_representation(_job())
    assert shown["created_at"] == "2026-12-07T08:30:15.123456Z"
    assert shown["run_at"] is None


def test_instants_follow_the_current_time_zone() -> None:
    with timezone.override("Europe/Berlin"):
        shown = job_representation(_job())
    assert shown["created_at"] == "2026-12-07T09:30:15.123456+01:00"
    assert shown["updated_at"] == "2026-12-07T09:30:15.123456+01:00"
