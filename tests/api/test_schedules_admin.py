"""Schedules in the admin: listed, made, edited, enabled and disabled through the services,
so the beat PeriodicTask follows every change."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client
from django_celery_beat.models import PeriodicTask

from conveyor.schedules.models import Schedule
from tests.factories import ApiClientFactory, ScheduleFactory

CHANGELIST = "/admin/schedules/schedule/"


def form(**fields: Any) -> dict[str, Any]:
    return {
        "name": "nightly",
        "cron_expression": "",
        "timezone": "",
        "interval_seconds": "",
        "job_type": "demo.noop",
        "job_params": "{}",
        "job_queue": "",
        "job_priority": "5",
        "job_labels": "{}",
        "runs-TOTAL_FORMS": "0",
        "runs-INITIAL_FORMS": "0",
        "runs-MIN_NUM_FORMS": "0",
        "runs-MAX_NUM_FORMS": "0",
        **fields,
    }


def test_the_changelist_shows_timing_and_next_run(admin_client: Client) -> None:
    cron = ScheduleFactory.create(cron=("30 2 * * *", "Europe/Berlin"))
    interval = ScheduleFactory.create(interval_seconds=90)

    response = admin_client.get(CHANGELIST)

    page = response.content.decode()
    assert response.status_code == 200
    assert cron.name in page
    assert "30 2 * * * (Europe/Berlin)" in page
    assert interval.name in page
    assert "every 90 s" in page
    assert "enable_schedules" in page


def test_a_schedule_made_in_the_admin_gets_its_beat_task(admin_client: Client) -> None:
    # given
    owner = ApiClientFactory.create()

    # when
    response = admin_client.post(
        f"{CHANGELIST}add/",
        form(client=owner.pk, cron_expression="0 6 * * mon", timezone="America/New_York"),
    )

    # then
    assert response.status_code == 302, response.content.decode()[-3000:]
    schedule = Schedule.objects.get(client=owner)
    assert (schedule.cron_expression, schedule.timezone) == ("0 6 * * mon", "America/New_York")
    task = schedule.periodic_task
    assert task.task == "conveyor.fire_schedule"
    assert (task.crontab.hour, task.crontab.day_of_week) == ("6", "mon")


def test_bad_timing_or_template_is_refused_in_the_form(admin_client: Client) -> None:
    owner = ApiClientFactory.create()

    bad_cron = admin_client.post(
        f"{CHANGELIST}add/", form(client=owner.pk, cron_expression="0 6 * *")
    )
    bad_job = admin_client.post(
        f"{CHANGELIST}add/", form(client=owner.pk, interval_seconds="10", job_type="no.such")
    )

    assert bad_cron.status_code == 200
    assert "5 fields" in bad_cron.content.decode()
    assert bad_job.status_code == 200
    assert "no.such is not one of the available choices" in bad_job.content.decode()
    assert not Schedule.objects.filter(client=owner).exists()


def test_the_add_form_chooses_a_job_type_and_starts_with_empty_params(
    admin_client: Client,
) -> None:
    page = admin_client.get(f"{CHANGELIST}add/").content.decode()

    assert '<select name="job_type"' in page
    assert '<option value="demo.sleep">demo.sleep</option>' in page
    assert '<option value="http.request">http.request</option>' in page
    assert 'name="job"' not in page
    assert "null</textarea>" not in page
    assert "\n{}</textarea>" in page


def test_params_off_the_job_types_schema_get_a_field_error(admin_client: Client) -> None:
    owner = ApiClientFactory.create()

    response = admin_client.post(
        f"{CHANGELIST}add/",
        form(
            client=owner.pk,
            interval_seconds="10",
            job_type="demo.sleep",
            job_params=json.dumps({"seconds": "soon"}),
        ),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["job_params"], errors
    assert errors["job_params"][0].startswith("seconds: ")
    assert not Schedule.objects.filter(client=owner).exists()


def test_an_edit_form_shows_the_stored_job(admin_client: Client) -> None:
    schedule = ScheduleFactory.create(interval_seconds=60)
    schedule.job = {"type": "demo.sleep", "params": {"seconds": 2}, "priority": 7}
    schedule.save()

    form_ = admin_client.get(f"{CHANGELIST}{schedule.pk}/change/").context["adminform"].form

    assert form_.initial["job_type"] == "demo.sleep"
    assert form_.initial["job_params"] == {"seconds": 2}
    assert form_.initial["job_priority"] == 7


def test_the_admin_is_conveyors_and_hides_beats_pages(admin_client: Client) -> None:
    index = admin_client.get("/admin/").content.decode()

    assert "conveyor administration" in index
    assert "Django administration" not in index
    assert "Periodic tasks" not in index
    assert admin_client.get("/admin/django_celery_beat/periodictask/").status_code == 404


def test_an_edit_in_the_admin_moves_the_beat_task(admin_client: Client) -> None:
    schedule = ScheduleFactory.create(interval_seconds=60)

    response = admin_client.post(
        f"{CHANGELIST}{schedule.pk}/change/",
        form(name=schedule.name, cron_expression="15 * * * *", timezone="UTC"),
    )

    assert response.status_code == 302, response.content.decode()[-3000:]
    task = PeriodicTask.objects.get(pk=schedule.periodic_task_id)
    assert (task.interval, task.crontab.minute) == (None, "15")


def test_the_disable_and_enable_actions_reach_beat(admin_client: Client) -> None:
    # given
    schedules = ScheduleFactory.create_batch(2)
    selected = {"_selected_action": [str(s.pk) for s in schedules], "index": 0}

    # when
    admin_client.post(CHANGELIST, {"action": "disable_schedules", **selected}, follow=True)
    # then
    assert not PeriodicTask.objects.filter(
        pk__in=[s.periodic_task_id for s in schedules], enabled=True
    ).exists()

    # when
    admin_client.post(CHANGELIST, {"action": "enable_schedules", **selected}, follow=True)
    # then
    assert (
        PeriodicTask.objects.filter(
            pk__in=[s.periodic_task_id for s in schedules], enabled=True
        ).count()
        == 2
    )


def test_deleting_in_the_admin_removes_the_beat_task(admin_client: Client) -> None:
    schedule = ScheduleFactory.create()

    response = admin_client.post(f"{CHANGELIST}{schedule.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Schedule.objects.filter(pk=schedule.pk).exists()
    assert not PeriodicTask.objects.filter(pk=schedule.periodic_task_id).exists()
