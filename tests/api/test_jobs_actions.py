"""``GET /v1/jobs/{id}``, ``POST /v1/jobs/{id}/cancel`` and ``POST /v1/jobs/{id}/retry``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from conveyor.clients.models import ApiClient
from conveyor.jobs.models import Job
from conveyor_worker import attempts, dispatcher
from tests.api.problems import problem_of
from tests.factories import JobFactory


def cancel(api: APIClient, job: Job) -> Any:
    return api.post(f"/v1/jobs/{job.id}/cancel")


def retry(api: APIClient, job: Job) -> Any:
    return api.post(f"/v1/jobs/{job.id}/retry")


def running(job: Job) -> attempts.Lease:
    claim = attempts.claim(job.id, worker="test-worker", message_id=None)
    assert claim is not None
    return claim


# ---- detail -----------------------------------------------------------------------------


def test_detail_shows_the_job_with_its_attempt_history(
    api: APIClient,
    me: ApiClient,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: one attempt that failed and was retried, one that is running
    job = JobFactory.create(client=me, max_attempts=3)
    first = running(job)
    attempts.record_retry(first, attempts.Failure("RuntimeError", "boom"), delay=timedelta(0))
    with django_capture_on_commit_callbacks(execute=False):
        assert dispatcher.release_due(now=timezone.now() + timedelta(seconds=1)) == 1
    running(job)

    # when
    response = api.get(f"/v1/jobs/{job.id}")

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == str(job.id)
    assert body["state"] == "running"
    assert body["attempts"] == 2
    assert body["error"] == {"type": "RuntimeError", "message": "boom"}
    assert [a["number"] for a in body["attempt_history"]] == [1]
    attempt = body["attempt_history"][0]
    assert attempt["outcome"] == "retrying"
    assert attempt["worker"] == "test-worker"
    assert (attempt["error_type"], attempt["error_message"]) == ("RuntimeError", "boom")
    assert "error_traceback" not in body


def test_detail_of_an_unknown_url_id_is_a_404_problem(api: APIClient) -> None:
    problem_of(api.get("/v1/jobs/not-a-uuid"), 404)


# ---- cancel -----------------------------------------------------------------------------


@pytest.mark.parametrize("trait", ["queued", "scheduled"])
def test_cancel_of_a_waiting_job_is_immediate(api: APIClient, me: ApiClient, trait: str) -> None:
    # given
    job = JobFactory.create(client=me, **({trait: True} if trait != "queued" else {}))

    # when
    response = cancel(api, job)

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "cancelled"
    assert body["finished_at"] is not None
    assert body["cancel_requested_at"] is not None
    job.refresh_from_db()
    assert job.state == "cancelled"
    assert job.run_at is None


def test_cancel_of_a_running_job_asks_its_worker(api: APIClient, me: ApiClient) -> None:
    # given
    job = JobFactory.create(client=me)
    running(job)

    # when
    response = cancel(api, job)

    # then
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "cancelling"
    assert response.json()["finished_at"] is None
    job.refresh_from_db()
    assert job.state == "cancelling"
    assert job.lease_token is not None  # the worker still holds it


def test_cancel_twice_while_cancelling_is_harmless(api: APIClient, me: ApiClient) -> None:
    job = JobFactory.create(client=me)
    running(job)
    first = cancel(api, job)

    second = cancel(api, job)

    assert first.status_code == second.status_code == 200
    assert second.json()["state"] == "cancelling"
    assert second.json()["cancel_requested_at"] == first.json()["cancel_requested_at"]


@pytest.mark.parametrize("trait", ["succeeded", "failed", "cancelled"])
def test_cancel_of_a_final_job_is_409(api: APIClient, me: ApiClient, trait: str) -> None:
    # given
    job = JobFactory.create(client=me, **{trait: True})

    # when
    response = cancel(api, job)

    # then
    problem = problem_of(response, 409)
    assert trait in problem["detail"]
    job.refresh_from_db()
    assert job.state == trait


# ---- retry ------------------------------------------------------------------------------


@pytest.mark.parametrize("trait", ["failed", "cancelled"])
def test_retry_requeues_with_a_fresh_attempt_budget(
    api: APIClient,
    me: ApiClient,
    trait: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    job = JobFactory.create(
        client=me, **{trait: True}, progress_percent=40.0, progress_message="halfway"
    )

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = retry(api, job)

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "queued"
    assert body["attempts"] == 0
    assert body["error"] is None
    assert body["result"] is None
    assert body["finished_at"] is None
    assert body["cancel_requested_at"] is None
    assert body["progress"] == {"percent": None, "message": ""}
    job.refresh_from_db()
    assert (job.state, job.attempts, job.error_type) == ("queued", 0, "")
    assert len(callbacks) == 1  # published once the transaction commits


@pytest.mark.parametrize("trait", ["queued", "scheduled", "succeeded"])
def test_retry_of_a_job_that_did_not_fail_is_409(
    api: APIClient,
    me: ApiClient,
    trait: str,
) -> None:
    # given
    job = JobFactory.create(client=me, **({trait: True} if trait != "queued" else {}))

    # when
    response = retry(api, job)

    # then
    assert trait in problem_of(response, 409)["detail"]
    job.refresh_from_db()
    assert job.state == trait


def test_retry_of_a_running_job_is_409(api: APIClient, me: ApiClient) -> None:
    job = JobFactory.create(client=me)
    running(job)

    problem_of(retry(api, job), 409)

    job.refresh_from_db()
    assert job.state == "running"
