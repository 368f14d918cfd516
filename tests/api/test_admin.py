"""The Django admin: operators inspect jobs and retry or cancel them through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Permission, User
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from conveyor.core.rates import parse_rate
from conveyor.jobs.models import AdvertisedTask, Job
from conveyor.ratelimits.models import RateLimitBucket, RateLimitGrant
from conveyor_worker import attempts
from tests.factories import JobFactory

CHANGELIST = "/admin/jobs/job/"


def run_action(client: Client, action: str, *jobs: Job) -> Any:
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(j.pk) for j in jobs], "index": 0},
        follow=True,
    )


def states(*jobs: Job) -> list[str]:
    return [Job.objects.get(pk=j.pk).state for j in jobs]


def test_the_job_changelist_lists_jobs(admin_client: Client) -> None:
    # given
    jobs = JobFactory.create_batch(3)

    # when
    response = admin_client.get(CHANGELIST)

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert all(str(job.id) in page for job in jobs)
    assert "retry_jobs" in page
    assert "cancel_jobs" in page


def test_the_job_changelist_filters_by_state(admin_client: Client) -> None:
    failed = JobFactory.create(failed=True)
    queued = JobFactory.create()

    response = admin_client.get(CHANGELIST, {"state__exact": "failed"})

    assert response.status_code == 200
    assert str(failed.id) in response.content.decode()
    assert str(queued.id) not in response.content.decode()


def test_the_job_page_shows_the_job_and_its_attempts(admin_client: Client) -> None:
    # given: a job with one recorded attempt
    job = JobFactory.create(type="demo.noop")
    claim = attempts.claim(job.id, worker="worker-7", message_id=None)
    assert claim is not None
    assert attempts.record_failure(claim, attempts.Failure("ValueError", "bad", "Trace..."))

    # when
    response = admin_client.get(f"/admin/jobs/job/{job.id}/change/")

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert str(job.id) in page
    assert "worker-7" in page
    assert "Trace..." in page  # operators see the traceback the API hides


def test_the_retry_action_requeues_failed_jobs_and_refuses_others(
    admin_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    failed, cancelled, queued = (
        JobFactory.create(failed=True),
        JobFactory.create(cancelled=True),
        JobFactory.create(),
    )

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = run_action(admin_client, "retry_jobs", failed, cancelled, queued)

    # then
    assert response.status_code == 200
    assert states(failed, cancelled, queued) == ["queued", "queued", "queued"]
    assert Job.objects.get(pk=failed.pk).attempts == 0
    assert len(callbacks) == 2  # the two retried jobs are published on commit
    shown = [str(m) for m in response.context["messages"]]
    assert "2 job(s) retried." in shown
    assert any(str(queued.id) in m for m in shown)


def test_the_cancel_action_cancels_through_the_service(admin_client: Client) -> None:
    # given
    queued, scheduled, done = (
        JobFactory.create(),
        JobFactory.create(scheduled=True),
        JobFactory.create(succeeded=True),
    )
    running = JobFactory.create()
    assert attempts.claim(running.id, worker="w", message_id=None) is not None

    # when
    response = run_action(admin_client, "cancel_jobs", queued, scheduled, done, running)

    # then
    assert response.status_code == 200
    assert states(queued, scheduled, done, running) == [
        "cancelled",
        "cancelled",
        "succeeded",
        "cancelling",
    ]
    assert "3 job(s) cancelled." in [str(m) for m in response.context["messages"]]


def test_a_staff_user_who_may_only_view_cannot_run_the_actions(db: None) -> None:
    # given
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_job"))
    client = Client()
    client.force_login(user)
    failed = JobFactory.create(failed=True)

    # when
    page = client.get(CHANGELIST)
    run_action(client, "retry_jobs", failed)

    # then
    assert page.status_code == 200
    assert "retry_jobs" not in page.content.decode()
    assert states(failed) == ["failed"]


def test_jobs_cannot_be_added_or_edited_in_the_admin(admin_client: Client) -> None:
    job = JobFactory.create()

    add = admin_client.get("/admin/jobs/job/add/")
    edit = admin_client.post(f"/admin/jobs/job/{job.id}/change/", {"state": "succeeded"})

    assert add.status_code == 403
    assert edit.status_code == 403
    assert states(job) == ["queued"]


def test_the_rate_limit_changelist_shows_each_limit_and_its_window(admin_client: Client) -> None:
    # given a queue limit in force with two recent starts, and a limit no longer configured
    now = timezone.now()
    RateLimitBucket.objects.create(key="queue:http", created_at=now)
    RateLimitBucket.objects.create(key="queue:gone", created_at=now)
    RateLimitGrant.objects.bulk_create(
        [
            RateLimitGrant(key="queue:http", at=now - timedelta(milliseconds=200)),
            RateLimitGrant(key="queue:http", at=now - timedelta(milliseconds=100)),
            RateLimitGrant(key="queue:http", at=now - timedelta(minutes=5)),  # out of window
        ]
    )

    # when an operator opens the rate limits (a minute's window: the two recent starts
    # stay in it however slow the machine is)
    with override_settings(CONVEYOR_QUEUE_RATE_LIMITS={"http": parse_rate("10/m")}):
        response = admin_client.get("/admin/ratelimits/ratelimitbucket/")

    # then each limit shows its rate and the starts in its current window, read-only
    assert response.status_code == 200
    rows = {
        key: line
        for line in response.content.decode().split("<tr")
        for key in ("queue:http", "queue:gone")
        if f">{key}<" in line
    }
    assert "10/m" in rows["queue:http"]
    assert 'class="field-starts_in_window">2<' in rows["queue:http"]
    assert "no longer limited" in rows["queue:gone"]
    assert "/admin/ratelimits/ratelimitbucket/add/" not in response.content.decode()


def test_an_advertised_task_is_listed_and_can_be_deleted_not_edited(
    admin_client: Client,
) -> None:
    # given a task a worker advertised
    AdvertisedTask.objects.create(
        path="shop.tasks.gone", queue="default", worker="w@h", advertised_at=timezone.now()
    )
    # then the admin lists it, read-only
    listing = admin_client.get("/admin/jobs/advertisedtask/")
    assert listing.status_code == 200
    assert "shop.tasks.gone" in listing.content.decode()
    assert admin_client.get("/admin/jobs/advertisedtask/add/").status_code == 403
    # and an operator deletes it once the task is gone from the project's code
    response = admin_client.post(
        "/admin/jobs/advertisedtask/shop.tasks.gone/delete/", {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert not AdvertisedTask.objects.exists()


def test_the_api_gets_no_session_csrf_or_messages_and_the_admin_does(
    api: APIClient, client: Client
) -> None:
    # an API request goes without the browser's middleware (no cookie is used there) ...
    response = api.get("/v1/job-types")
    assert response.status_code == 200
    assert not hasattr(response.wsgi_request, "session")
    assert not hasattr(response.wsgi_request, "_messages")
    assert "Cookie" not in response.get("Vary", "")
    # ... and so do the probes, while the admin's login page has them all
    assert not hasattr(client.get("/healthz").wsgi_request, "session")
    login = client.get("/admin/login/")
    assert login.status_code == 200
    assert hasattr(login.wsgi_request, "session")
    assert hasattr(login.wsgi_request, "_messages")
    assert "csrftoken" in login.cookies
    # and the admin still refuses a form posted without its CSRF token
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post("/admin/login/", {"username": "a", "password": "b"})
    assert refused.status_code == 403
