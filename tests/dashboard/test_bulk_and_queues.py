"""Bulk actions on the jobs page's filter (counted, confirmed, then done), requeue with
edited params, and pausing a queue, through the dashboard's forms."""

from __future__ import annotations

import json

from django.test import Client
from django.utils import timezone

from conveyor.jobs.models import Job
from conveyor.queues.pausing import paused_queues
from conveyor.queues.workers import report_presence
from tests.dashboard.test_pages import csrf_of
from tests.factories import JobFactory


def test_bulk_retry_counts_asks_and_then_retries_only_what_matches(operator: Client) -> None:
    # given
    matching = JobFactory.create_batch(3, failed=True, labels={"team": "pay"})
    other_label = JobFactory.create(failed=True, labels={"team": "ops"})
    token = csrf_of(operator, "/dashboard/jobs/")
    form = {"csrfmiddlewaretoken": token, "state": "failed", "label": "team=pay"}

    # when: the first POST only shows the count
    asked = operator.post("/dashboard/bulk/retry", form)

    # then
    assert asked.status_code == 200
    assert "retry <strong>3</strong> job(s)" in asked.content.decode()
    assert Job.objects.filter(state="failed").count() == 4

    # when: confirmed
    done = operator.post("/dashboard/bulk/retry", {**form, "confirm": "yes"}, follow=True)

    # then
    assert "3 job(s) retried" in done.content.decode()
    assert {Job.objects.get(pk=j.pk).state for j in matching} == {"queued"}
    assert Job.objects.get(pk=other_label.pk).state == "failed"


def test_bulk_cancel_and_delete_act_on_the_filter(operator: Client) -> None:
    queued = JobFactory.create_batch(2, type="demo.sleep", params={"seconds": 1})
    finished = JobFactory.create(succeeded=True, type="demo.sleep", params={"seconds": 1})
    untouched = JobFactory.create()
    token = csrf_of(operator, "/dashboard/jobs/")

    operator.post(
        "/dashboard/bulk/cancel",
        {"csrfmiddlewaretoken": token, "type": "demo.sleep", "confirm": "yes"},
    )
    operator.post(
        "/dashboard/bulk/delete",
        {"csrfmiddlewaretoken": token, "type": "demo.sleep", "confirm": "yes"},
    )

    # cancelled, then (now final) deleted with the succeeded one; the noop stays
    assert not Job.objects.filter(pk__in=[j.pk for j in [*queued, finished]]).exists()
    assert Job.objects.get(pk=untouched.pk).state == "queued"


def test_an_unknown_bulk_action_or_a_bad_filter_changes_nothing(operator: Client) -> None:
    job = JobFactory.create(failed=True)
    token = csrf_of(operator, "/dashboard/jobs/")

    unknown = operator.post("/dashboard/bulk/explode", {"csrfmiddlewaretoken": token}, follow=True)
    bad = operator.post(
        "/dashboard/bulk/retry",
        {"csrfmiddlewaretoken": token, "label": "oops", "confirm": "yes"},
        follow=True,
    )

    assert "No bulk action" in unknown.content.decode()
    assert "The filter is not valid" in bad.content.decode()
    assert Job.objects.get(pk=job.pk).state == "failed"


def test_requeue_with_edited_params_makes_a_new_job_and_refuses_bad_params(
    operator: Client,
) -> None:
    # given
    job = JobFactory.create(failed=True, type="demo.sleep", params={"seconds": 5})
    page = operator.get(f"/dashboard/jobs/{job.pk}/").content.decode()
    assert 'id="job-requeue"' in page
    token = csrf_of(operator, f"/dashboard/jobs/{job.pk}/")

    # when
    refused = operator.post(
        f"/dashboard/jobs/{job.pk}/requeue",
        {"csrfmiddlewaretoken": token, "params": json.dumps({"seconds": -1})},
    )
    not_json = operator.post(
        f"/dashboard/jobs/{job.pk}/requeue", {"csrfmiddlewaretoken": token, "params": "{"}
    )
    accepted = operator.post(
        f"/dashboard/jobs/{job.pk}/requeue",
        {"csrfmiddlewaretoken": token, "params": json.dumps({"seconds": 1, "steps": 2})},
    )

    # then
    assert refused.status_code == 400
    assert "params.seconds" in refused.content.decode()
    assert not_json.status_code == 400
    assert "Not JSON" in not_json.content.decode()
    new = Job.objects.exclude(pk=job.pk).get()
    assert accepted["Location"] == f"/dashboard/jobs/{new.pk}/"
    assert new.params == {"seconds": 1.0, "steps": 2}
    assert new.state == "queued"
    assert Job.objects.get(pk=job.pk).state == "failed"


def test_pause_and_resume_a_queue(operator: Client) -> None:
    token = csrf_of(operator, "/dashboard/queues/")

    operator.post("/dashboard/queues/default/pause", {"csrfmiddlewaretoken": token})
    live = operator.get("/dashboard/live/queues").json()
    paused = paused_queues()
    operator.post("/dashboard/queues/default/resume", {"csrfmiddlewaretoken": token})
    unknown = operator.post(
        "/dashboard/queues/nope/pause", {"csrfmiddlewaretoken": token}, follow=True
    )

    assert paused == {"default"}
    assert next(q for q in live["queues"] if q["name"] == "default")["paused"] is True
    assert paused_queues() == frozenset()
    assert "No queue named &#x27;nope&#x27;" in unknown.content.decode()


def test_the_live_workers_are_listed_with_the_jobs_they_run(operator: Client) -> None:
    # given: a worker that reported itself, running one job
    report_presence(
        name="worker@pod-7",
        queues=["default", "idle"],
        concurrency=4,
        version="1.2.3",
        started_at=timezone.now(),
    )
    running = JobFactory.create(state="running", lease_owner="worker@pod-7")

    # when
    data = operator.get("/dashboard/live/queues").json()
    overview = operator.get("/dashboard/live/overview").json()

    # then
    [worker] = data["workers"]
    assert worker["name"] == "worker@pod-7"
    assert worker["queues"] == ["default", "idle"]
    assert worker["concurrency"] == 4
    assert worker["version"] == "1.2.3"
    assert worker["running_job_ids"] == [str(running.pk)]
    assert worker["heartbeat_age_seconds"] >= 0
    assert {q["name"]: q["workers"] for q in overview["queues"]}["default"] == 1
