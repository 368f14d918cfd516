"""``/v1/schedules``: create, read, list, change, delete; bad input changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from rest_framework.test import APIClient

from conveyor.clients.models import ApiClient
from conveyor.schedules.models import Schedule
from tests.api.conftest import MakeApi
from tests.api.problems import error_fields, problem_of
from tests.factories import ScheduleFactory

CRON = {
    "name": "nightly",
    "cron": {"expression": "30 2 * * *", "timezone": "Europe/Berlin"},
    "job": {"type": "demo.sleep", "params": {"seconds": 1}, "labels": {"team": "ops"}},
}
INTERVAL = {"name": "pulse", "interval_seconds": 30, "job": {"type": "demo.noop"}}


def stored() -> tuple[int, int, list[Any]]:
    """What a refused request must leave as it was."""
    tasks = PeriodicTask.objects.filter(task="conveyor.fire_schedule")
    return (
        Schedule.objects.count(),
        tasks.count(),
        list(Schedule.objects.order_by("pk").values()),
    )


def create(api: APIClient, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/v1/schedules", body, format="json")
    assert response.status_code == 201, response.content
    data: dict[str, Any] = response.json()
    assert response["Location"] == f"/v1/schedules/{data['id']}"
    return data


def test_a_cron_schedule_is_created_with_its_beat_task(api: APIClient) -> None:
    # when
    before = timezone.now()
    data = create(api, CRON)

    # then: the resource, its template checked and normalized as a submission is
    assert data["name"] == "nightly"
    assert data["cron"] == {"expression": "30 2 * * *", "timezone": "Europe/Berlin"}
    assert data["interval_seconds"] is None
    assert data["enabled"] is True
    assert data["last_run_at"] is None
    assert data["job"]["type"] == "demo.sleep"
    assert data["job"]["params"] == {"seconds": 1.0, "steps": 10}
    assert data["job"]["labels"] == {"team": "ops"}
    assert data["job"]["queue"] is None
    assert data["job"]["priority"] == 5
    due = datetime.fromisoformat(data["next_run_at"])
    assert before < due <= before + timedelta(days=1, hours=1)
    assert due.astimezone(timezone.get_fixed_timezone(0)).minute == 30
    # and the PeriodicTask beat reads, on the system queue
    task = Schedule.objects.get(pk=data["id"]).periodic_task
    assert task.task == "conveyor.fire_schedule"
    assert task.args == f'["{data["id"]}"]'
    assert task.queue == settings.CONVEYOR_SYSTEM_QUEUE
    assert task.enabled is True
    assert task.interval is None
    assert (task.crontab.minute, task.crontab.hour) == ("30", "2")
    assert str(task.crontab.timezone) == "Europe/Berlin"


def test_an_interval_schedule_is_created(api: APIClient) -> None:
    before = timezone.now()

    data = create(api, INTERVAL)

    assert data["cron"] is None
    assert data["interval_seconds"] == 30
    assert before + timedelta(seconds=30) <= datetime.fromisoformat(data["next_run_at"])
    task = Schedule.objects.get(pk=data["id"]).periodic_task
    assert (task.interval.every, task.interval.period, task.crontab) == (30, "seconds", None)


def test_get_and_list_show_only_the_clients_own(make_api: MakeApi) -> None:
    # given
    api, me = make_api()
    mine = [ScheduleFactory.create(client=me) for _ in range(3)]
    theirs = ScheduleFactory.create()

    # when
    first = api.get("/v1/schedules?limit=2").json()
    second = api.get(first["next"]).json()
    one = api.get(f"/v1/schedules/{mine[0].pk}")

    # then
    listed = [s["id"] for s in first["results"] + second["results"]]
    assert listed == [str(s.pk) for s in reversed(mine)]
    assert str(theirs.pk) not in listed
    assert one.status_code == 200
    assert one.json()["name"] == mine[0].name


def test_patch_changes_what_is_given_and_keeps_the_beat_task_in_step(
    api: APIClient, me: ApiClient
) -> None:
    # given
    schedule = ScheduleFactory.create(client=me, cron=("0 9 * * mon-fri", "America/New_York"))
    url = f"/v1/schedules/{schedule.pk}"

    # when: disabled
    off = api.patch(url, {"enabled": False}, format="json")
    # then
    assert off.status_code == 200, off.content
    assert off.json()["enabled"] is False
    assert off.json()["next_run_at"] is None
    schedule.refresh_from_db()
    assert schedule.periodic_task.enabled is False

    # when: a cron schedule becomes an interval, renamed, enabled, with a new job
    changed = api.patch(
        url,
        {
            "name": "often",
            "interval_seconds": 5,
            "enabled": True,
            "job": {"type": "demo.sleep", "params": {"seconds": 0}, "priority": 9},
        },
        format="json",
    ).json()

    # then
    assert changed["name"] == "often"
    assert (changed["cron"], changed["interval_seconds"]) == (None, 5)
    assert changed["job"]["type"] == "demo.sleep"
    assert changed["job"]["priority"] == 9
    task = PeriodicTask.objects.get(pk=schedule.periodic_task_id)
    assert (task.enabled, task.crontab, task.interval.every) == (True, None, 5)

    # when: back to cron
    back = api.patch(url, {"cron": {"expression": "@hourly"}}, format="json").json()
    assert back["cron"] == {"expression": "0 * * * *", "timezone": "UTC"}
    task.refresh_from_db()
    assert (task.interval, task.crontab.minute, str(task.crontab.timezone)) == (None, "0", "UTC")


def test_delete_removes_the_schedule_and_its_beat_task(api: APIClient, me: ApiClient) -> None:
    schedule = ScheduleFactory.create(client=me)

    response = api.delete(f"/v1/schedules/{schedule.pk}")

    assert response.status_code == 204
    assert not Schedule.objects.filter(pk=schedule.pk).exists()
    assert not PeriodicTask.objects.filter(pk=schedule.periodic_task_id).exists()
    problem_of(api.get(f"/v1/schedules/{schedule.pk}"), 404)


def with_(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**body, **changes}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (with_(CRON, cron={"expression": "61 * * * *"}), "cron.expression"),
        (with_(CRON, cron={"expression": "* * * *"}), "cron.expression"),
        (with_(CRON, cron={"expression": "0 0 30 2 *"}), "cron.expression"),
        (
            with_(CRON, cron={"expression": "0 3 * * *", "timezone": "Europe/Nowhere"}),
            "cron.timezone",
        ),
        (with_(CRON, cron={"expression": "0 3 * * *", "tz": "UTC"}), "cron.tz"),
        (with_(CRON, interval_seconds=10), "interval_seconds"),
        ({"name": "x", "job": {"type": "demo.noop"}}, "cron"),
        (with_(INTERVAL, interval_seconds=0), "interval_seconds"),
        (with_(INTERVAL, job={"type": "no.such.type"}), "job.type"),
        (
            with_(INTERVAL, job={"type": "demo.sleep", "params": {"seconds": -1}}),
            "job.params.seconds",
        ),
        (with_(INTERVAL, job={"type": "demo.noop", "queue": "nowhere"}), "job.queue"),
        (with_(INTERVAL, job={"type": "demo.noop", "priority": 10}), "job.priority"),
        (with_(INTERVAL, job={"type": "demo.noop", "delay_seconds": 5}), "job.delay_seconds"),
        (with_(INTERVAL, job={"type": "demo.noop", "colour": 1}), "job.colour"),
        (with_(INTERVAL, job={"type": "demo.noop", "timeout_seconds": 61}), "job.timeout_seconds"),
        (with_(INTERVAL, colour="blue"), "colour"),
        (with_(INTERVAL, name=""), "name"),
    ],
    ids=[
        "minute-out-of-range",
        "four-fields",
        "never-matches",
        "unknown-timezone",
        "unknown-cron-field",
        "cron-and-interval",
        "neither",
        "zero-interval",
        "unknown-job-type",
        "invalid-params",
        "unknown-queue",
        "priority-out-of-range",
        "a-start-time",
        "unknown-job-field",
        "timeout-over-the-limit",
        "unknown-field",
        "empty-name",
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(
    api: APIClient, body: dict[str, Any], field: str
) -> None:
    # given
    before = stored()

    # when
    response = api.post("/v1/schedules", body, format="json")

    # then
    assert field in error_fields(problem_of(response, 400))
    assert stored() == before


def test_a_bad_patch_changes_nothing(api: APIClient, me: ApiClient) -> None:
    schedule = ScheduleFactory.create(client=me)
    before = stored()

    response = api.patch(
        f"/v1/schedules/{schedule.pk}",
        {"name": "renamed", "cron": {"expression": "0 25 * * *"}},
        format="json",
    )

    assert "cron.expression" in error_fields(problem_of(response, 400))
    assert stored() == before


def test_a_name_is_taken_once_per_client(make_api: MakeApi) -> None:
    # given
    api, _ = make_api()
    other_api, _ = make_api()
    create(api, INTERVAL)
    before = stored()

    # when
    again = api.post("/v1/schedules", INTERVAL, format="json")
    # then
    assert "name" in error_fields(problem_of(again, 409))
    assert stored() == before
    # while another client may use the name
    create(other_api, INTERVAL)


def test_the_schema_documents_the_schedule_endpoints(api: APIClient) -> None:
    schema = api.get("/v1/schema?format=json").json()

    assert {"get", "post"} <= set(schema["paths"]["/v1/schedules"])
    assert {"get", "patch", "delete"} <= set(schema["paths"]["/v1/schedules/{schedule_id}"])
