"""Who gets in: staff users only, through the dashboard's login; every page under the
CSP that allows only this origin's scripts; every action POST-only and CSRF-checked."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from tests.factories import JobFactory, ScheduleFactory

PAGES = [
    "/dashboard/",
    "/dashboard/jobs/",
    "/dashboard/failed/",
    "/dashboard/queues/",
    "/dashboard/schedules/",
]
LIVE = ["/dashboard/live/overview", "/dashboard/live/queues", "/dashboard/live/jobs"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_the_login(client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/?next=")


@pytest.mark.parametrize("url", LIVE)
def test_the_live_views_refuse_anonymous_with_403(client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 403
    assert "staff" in response.json()["detail"]


@pytest.mark.parametrize("url", [*PAGES, *LIVE])
def test_a_user_who_is_not_staff_gets_nothing(client: Client, url: str) -> None:
    user = User.objects.create_user("someone", password="pw-123456-long")
    client.force_login(user)

    response = client.get(url)

    assert response.status_code in {302, 403}
    assert b"Overview" not in response.content


def test_the_login_lets_staff_in_and_refuses_other_users(client: Client) -> None:
    # given
    User.objects.create_user("staffer", password="pw-123456-long", is_staff=True)
    User.objects.create_user("plain", password="pw-123456-long")
    client.get("/dashboard/login/")

    # when
    refused = client.post("/dashboard/login/", {"username": "plain", "password": "pw-123456-long"})
    accepted = client.post(
        "/dashboard/login/",
        {"username": "staffer", "password": "pw-123456-long", "next": "/dashboard/jobs/"},
    )

    # then
    assert refused.status_code == 200
    assert b"staff account" in refused.content
    assert accepted.status_code == 302
    assert accepted["Location"] == "/dashboard/jobs/"
    assert client.get("/dashboard/jobs/").status_code == 200


@pytest.mark.parametrize("url", [*PAGES, "/dashboard/login/"])
def test_every_page_has_the_csp_and_loads_only_same_origin_assets(
    operator: Client, url: str
) -> None:
    response = operator.get(url)

    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    page = response.content.decode()
    # No inline script (the CSP would block it), no asset from another origin.
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", page) == []
    for link in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert not link.startswith(("http:", "https:", "//")), link


def test_the_static_script_and_stylesheet_are_served(operator: Client) -> None:
    page = operator.get("/dashboard/").content.decode()
    script = re.search(r'<script src="([^"]+)"', page)
    assert script is not None
    assert script.group(1).startswith("/static/dashboard/dashboard")


def test_actions_need_the_csrf_token(operator: Client) -> None:
    job = JobFactory.create(failed=True)

    response = operator.post(f"/dashboard/jobs/{job.pk}/retry")

    assert response.status_code == 403
    job.refresh_from_db()
    assert job.state == "failed"


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/jobs/{job}/retry",
        "/dashboard/jobs/{job}/cancel",
        "/dashboard/bulk/retry",
        "/dashboard/failed/replay",
        "/dashboard/queues/default/pause",
        "/dashboard/schedules/{schedule}/disable",
    ],
)
def test_actions_refuse_get(operator: Client, path: str) -> None:
    job = JobFactory.create(failed=True)
    schedule = ScheduleFactory.create()

    response = operator.get(path.format(job=job.pk, schedule=schedule.pk))

    assert response.status_code == 405


def test_staff_without_the_operate_permission_sees_but_cannot_act(client: Client) -> None:
    # given
    viewer = User.objects.create_user("viewer", password="pw-123456-long", is_staff=True)
    client.force_login(viewer)
    job = JobFactory.create(failed=True)

    # when
    page = client.get(f"/dashboard/jobs/{job.pk}/")
    acted = client.post(f"/dashboard/jobs/{job.pk}/retry")

    # then
    assert page.status_code == 200
    assert b'id="job-retry"' not in page.content
    assert acted.status_code == 403
    job.refresh_from_db()
    assert job.state == "failed"
    # and with the permission, the same user may
    viewer.user_permissions.add(Permission.objects.get(codename="change_job"))
    viewer = User.objects.get(pk=viewer.pk)
    client.force_login(viewer)
    assert client.post(f"/dashboard/jobs/{job.pk}/retry").status_code == 302
    job.refresh_from_db()
    assert job.state == "queued"
