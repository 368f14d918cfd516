"""The dashboard's pages through Django's test client: what each shows, and the actions
that change a job or a schedule."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from conveyor.jobs.models import Job, JobAttempt
from conveyor.schedules.models import Schedule
from conveyor.schedules.services import SCHEDULE_LABEL
from conveyor.webhooks.models import WebhookDelivery
from tests.factories import ApiClientFactory, JobFactory, ScheduleFactory


def csrf_of(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def shown_ids(page: bytes) -> set[str]:
    return set(re.findall(r'data-job="([0-9a-f-]{36})"', page.decode()))


def test_the_jobs_page_filters_and_counts_per_state(operator: Client) -> None:
    # given
    billing = ApiClientFactory.create(name="billing")
    wanted = JobFactory.create(
        failed=True, client=billing, labels={"team": "pay"}, error_message="card declined"
    )
    JobFactory.create(failed=True, error_message="timeout")  # another client, another error
    JobFactory.create(client=billing, labels={"team": "pay"})  # queued
    JobFactory.create(type="demo.sleep", params={"seconds": 1})

    # when
    by_text = operator.get("/dashboard/jobs/", {"text": "declined"})
    by_label = operator.get("/dashboard/jobs/", {"label": "team=pay", "state": ["failed"]})
    by_client = operator.get("/dashboard/jobs/", {"client": billing.pk})
    by_type = operator.get("/dashboard/jobs/", {"type": "demo.sleep"})
    in_params = operator.get("/dashboard/jobs/", {"text": "seconds"})

    # then
    assert shown_ids(by_text.content) == {str(wanted.pk)}
    assert shown_ids(by_label.content) == {str(wanted.pk)}
    assert len(shown_ids(by_client.content)) == 2
    assert len(shown_ids(by_type.content)) == 1
    assert len(shown_ids(in_params.content)) == 1
    assert 'data-count="failed">1<' in by_client.content.decode()
    assert 'data-count="queued">1<' in by_client.content.decode()
    assert 'data-count="total">2<' in by_client.content.decode()


def test_the_jobs_page_pages_with_a_cursor_in_the_sort_order(operator: Client) -> None:
    # given: 60 jobs a second apart
    start = timezone.now() - timedelta(hours=1)
    jobs = [JobFactory.create(created_at=start + timedelta(seconds=i)) for i in range(60)]

    # when
    first = operator.get("/dashboard/jobs/", {"sort": "created_at"}).content.decode()
    cursor = re.search(r'id="next-page" href="\?([^"]+)"', first)
    assert cursor is not None
    second = operator.get("/dashboard/jobs/?" + cursor.group(1).replace("&amp;", "&"))

    # then
    first_ids = re.findall(r'data-job="([0-9a-f-]{36})"', first)
    second_ids = re.findall(r'data-job="([0-9a-f-]{36})"', second.content.decode())
    assert first_ids == [str(j.pk) for j in jobs[:50]]
    assert second_ids == [str(j.pk) for j in jobs[50:]]
    assert 'id="next-page"' not in second.content.decode()


def test_bad_filters_come_back_as_field_errors(operator: Client) -> None:
    response = operator.get(
        "/dashboard/jobs/",
        {"label": "no-equals", "created_after": "yesterday", "cursor": "garbage", "state": "x"},
    )

    assert response.status_code == 200
    errors = response.content.decode()
    for field in ("label", "created_after", "cursor", "state"):
        assert f"<p>{field}:" in errors
    live = operator.get("/dashboard/live/jobs", {"label": "nope"})
    assert live.status_code == 400
    assert "label" in live.json()["errors"]


def test_the_live_jobs_view_reports_the_shown_jobs_progress(operator: Client) -> None:
    job = JobFactory.create(state="running", progress_percent=40.0, progress_message="half")

    data = operator.get("/dashboard/live/jobs", {"id": [str(job.pk)]}).json()

    assert data["counts"] == {"running": 1}
    assert data["jobs"] == [
        {
            "id": str(job.pk),
            "state": "running",
            "attempts": 0,
            "progress_percent": 40.0,
            "progress_message": "half",
        }
    ]


def test_the_job_page_shows_attempts_tracebacks_deliveries_and_its_schedule(
    operator: Client,
) -> None:
    # given
    schedule = ScheduleFactory.create(name="nightly-report")
    job = JobFactory.create(
        failed=True,
        params={"seconds": 3},
        labels={SCHEDULE_LABEL: str(schedule.pk)},
        webhook_url="https://example.com/hook",
        progress_percent=30.0,
        progress_message="step 3 of 10",
    )
    JobAttempt.objects.create(
        id=uuid.uuid4(),
        job=job,
        number=1,
        worker="worker@pod-1",
        started_at=timezone.now() - timedelta(seconds=5),
        finished_at=timezone.now(),
        outcome=JobAttempt.Outcome.FAILED,
        error_type="RuntimeError",
        error_message="boom",
        error_traceback="Traceback (most recent call last):\n  File x\nRuntimeError: boom",
    )
    WebhookDelivery.objects.create(
        job=job, event="job.failed", url=job.webhook_url, body="{}", created_at=timezone.now()
    )

    # when
    page = operator.get(f"/dashboard/jobs/{job.pk}/").content.decode()
    live = operator.get(f"/dashboard/live/jobs/{job.pk}").json()

    # then
    assert "worker@pod-1" in page
    assert "Traceback (most recent call last)" in page
    assert "job.failed" in page
    assert "nightly-report" in page
    assert "step 3 of 10" in page
    assert 'data-percent="30.0"' in page
    assert "&quot;seconds&quot;: 3" in page
    assert live["state"] == "failed"
    assert live["attempt_count"] == 1
    assert live["progress_message"] == "step 3 of 10"


def test_an_unknown_job_is_404(operator: Client) -> None:
    assert operator.get(f"/dashboard/jobs/{uuid.uuid4()}/").status_code == 404
    assert operator.get(f"/dashboard/live/jobs/{uuid.uuid4()}").status_code == 404
    assert operator.get("/dashboard/jobs/not-a-uuid/").status_code == 404


def test_retry_and_cancel_a_job(operator: Client) -> None:
    # given
    failed = JobFactory.create(failed=True)
    queued = JobFactory.create()
    token = csrf_of(operator, f"/dashboard/jobs/{failed.pk}/")

    # when
    retried = operator.post(f"/dashboard/jobs/{failed.pk}/retry", {"csrfmiddlewaretoken": token})
    cancelled = operator.post(f"/dashboard/jobs/{queued.pk}/cancel", {"csrfmiddlewaretoken": token})
    again = operator.post(
        f"/dashboard/jobs/{queued.pk}/cancel", {"csrfmiddlewaretoken": token}, follow=True
    )

    # then
    assert retried.status_code == cancelled.status_code == 302
    assert Job.objects.get(pk=failed.pk).state == "queued"
    assert Job.objects.get(pk=queued.pk).state == "cancelled"
    assert "already cancelled" in again.content.decode()


def test_the_triage_page_groups_failures_oldest_first_and_replays_a_group(
    operator: Client,
) -> None:
    # given
    old = timezone.now() - timedelta(hours=2)
    declined = [
        JobFactory.create(failed=True, error_message="card declined", finished_at=old)
        for _ in range(2)
    ]
    timeout = JobFactory.create(failed=True, error_message="timeout")

    # when
    page = operator.get("/dashboard/failed/").content.decode()
    link = re.search(r'href="(/dashboard/jobs/\?state=failed[^"]*card%20declined)"', page)
    assert link is not None
    listed = operator.get(link.group(1).replace("&amp;", "&")).content
    token = csrf_of(operator, "/dashboard/failed/")
    operator.post(
        "/dashboard/failed/replay",
        {
            "csrfmiddlewaretoken": token,
            "type": "demo.noop",
            "error_type": "RuntimeError",
            "error_message": "card declined",
        },
    )

    # then
    assert page.index("card declined") < page.index("timeout")
    assert "Replay 2" in page
    assert shown_ids(listed) == {str(j.pk) for j in declined}
    assert {Job.objects.get(pk=j.pk).state for j in declined} == {"queued"}
    assert Job.objects.get(pk=timeout.pk).state == "failed"


def test_schedules_show_next_runs_and_are_disabled_enabled_and_run_now(
    operator: Client,
) -> None:
    # given
    schedule = ScheduleFactory.create(name="every-minute", interval_seconds=60)
    token = csrf_of(operator, "/dashboard/schedules/")

    # when
    page = operator.get("/dashboard/schedules/").content.decode()
    operator.post(f"/dashboard/schedules/{schedule.pk}/disable", {"csrfmiddlewaretoken": token})
    disabled = Schedule.objects.get(pk=schedule.pk).enabled
    operator.post(f"/dashboard/schedules/{schedule.pk}/enable", {"csrfmiddlewaretoken": token})
    operator.post(f"/dashboard/schedules/{schedule.pk}/run", {"csrfmiddlewaretoken": token})

    # then
    assert "every-minute" in page
    assert "every 60 s" in page
    assert disabled is False
    assert Schedule.objects.get(pk=schedule.pk).enabled is True
    ran = Job.objects.get(labels__contains={SCHEDULE_LABEL: str(schedule.pk)})
    assert ran.type == "demo.noop"
    assert ran.state == "queued"


def test_the_job_page_shows_its_workflow_and_each_jobs_state(operator: Client) -> None:
    from conveyor.workflows.models import Step
    from conveyor.workflows.services import workflow_create

    # given a fan-out/fan-in workflow
    workflow = workflow_create(
        client=ApiClientFactory.create(),
        name="thumbnails",
        items=[
            {"id": "split", "type": "demo.noop"},
            {"id": "resize-1", "type": "demo.noop", "depends_on": ["split"]},
            {"id": "resize-2", "type": "demo.noop", "depends_on": ["split"]},
            {"id": "join", "type": "demo.noop", "depends_on": ["resize-1", "resize-2"]},
        ],
    )
    steps = {step.name: step.job_id for step in Step.objects.filter(workflow=workflow)}

    # when an operator opens the fan-in job
    page = operator.get(f"/dashboard/jobs/{steps['join']}/").content.decode()

    # then it names its workflow and lists every job of it, its state and what it waits for
    assert "workflow <code>thumbnails</code>" in page
    table = page.split('id="workflow-table"')[1].split("</table>")[0]
    rows = {name: row for row in table.split("<tr")[2:] for name in steps if f">{name}</a>" in row}
    assert set(rows) == set(steps)
    assert "queued" in rows["split"]
    assert "blocked" in rows["join"]
    assert "resize-1, resize-2" in rows["join"]
    assert 'class="this-job"' in rows["join"]
    assert f"/dashboard/jobs/{steps['split']}/" in rows["split"]


def test_a_job_of_no_workflow_shows_none(operator: Client) -> None:
    job = JobFactory.create()
    page = operator.get(f"/dashboard/jobs/{job.pk}/").content.decode()
    assert "workflow-table" not in page
    assert "a direct submission" in page
