"""``GET /v1/jobs/{id}?wait=N``: the answer waits for a final state, at most N seconds."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from conveyor.clients.models import ApiClient
from conveyor.jobs.longpoll import SHORTENED_HEADER, WaitSlots, wait_slots
from tests.api.problems import error_fields, problem_of
from tests.factories import ApiClientFactory, JobFactory


def test_a_final_job_is_answered_at_once(api: APIClient, me: ApiClient) -> None:
    job = JobFactory.create(client=me, succeeded=True)

    started = time.monotonic()
    response = api.get(f"/v1/jobs/{job.id}?wait=30")

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "succeeded"
    assert "attempt_history" in response.json()
    assert time.monotonic() - started < 15  # it did not wait out the 30 s


def test_a_job_still_running_is_answered_after_the_wait(api: APIClient, me: ApiClient) -> None:
    job = JobFactory.create(client=me)

    started = time.monotonic()
    response = api.get(f"/v1/jobs/{job.id}", {"wait": "0.5"})

    took = time.monotonic() - started
    assert response.status_code == 200
    assert response.json()["state"] == "queued"
    assert took >= 0.5, took
    assert SHORTENED_HEADER not in response


def test_a_wait_beyond_the_process_limit_is_answered_at_once_and_says_so(
    api: APIClient, me: ApiClient, settings: object
) -> None:
    # given a process that holds one wait at most, and holds one
    settings.CONVEYOR_LONG_POLL_MAX_PER_PROCESS = 1  # type: ignore[attr-defined]
    job = JobFactory.create(client=me)
    with wait_slots.slot() as taken:
        assert taken
        # when a client long-polls
        response = api.get(f"/v1/jobs/{job.id}", {"wait": "30"})

    # then it gets the job as it is, told that its wait was shortened
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "queued"
    assert response[SHORTENED_HEADER] == "true"


def test_a_final_job_is_never_a_shortened_wait(
    api: APIClient, me: ApiClient, settings: object
) -> None:
    settings.CONVEYOR_LONG_POLL_MAX_PER_PROCESS = 0  # type: ignore[attr-defined]
    job = JobFactory.create(client=me, succeeded=True)

    response = api.get(f"/v1/jobs/{job.id}", {"wait": "30"})

    assert response.json()["state"] == "succeeded"
    assert SHORTENED_HEADER not in response


def test_the_limit_is_the_setting(settings: object) -> None:
    settings.CONVEYOR_LONG_POLL_MAX_PER_PROCESS = 2  # type: ignore[attr-defined]
    slots = WaitSlots()

    with slots.slot() as first, slots.slot() as second, slots.slot() as third:
        assert (first, second, third) == (True, True, False)
    with slots.slot() as again:
        assert again


@pytest.mark.parametrize("wait", ["0", "-1", "30.5", "31", "soon", "", "nan", "inf"])
def test_an_invalid_wait_is_400(api: APIClient, me: ApiClient, wait: str) -> None:
    job = JobFactory.create(client=me)

    response = api.get(f"/v1/jobs/{job.id}", {"wait": wait})

    assert error_fields(problem_of(response, 400)) == {"wait"}


def test_the_ceiling_follows_the_setting(api: APIClient, me: ApiClient, settings: object) -> None:
    from datetime import timedelta

    settings.CONVEYOR_LONG_POLL_MAX = timedelta(seconds=2)  # type: ignore[attr-defined]
    job = JobFactory.create(client=me, failed=True)

    assert api.get(f"/v1/jobs/{job.id}", {"wait": "2"}).status_code == 200
    problem = problem_of(api.get(f"/v1/jobs/{job.id}", {"wait": "3"}), 400)
    assert "at most 2" in problem["errors"][0]["message"]


def test_an_unknown_query_parameter_is_400(api: APIClient, me: ApiClient) -> None:
    job = JobFactory.create(client=me)

    assert error_fields(problem_of(api.get(f"/v1/jobs/{job.id}?wiat=5"), 400)) == {"wiat"}


def test_another_clients_job_is_404_without_waiting(api: APIClient) -> None:
    job = JobFactory.create(client=ApiClientFactory.create())

    started = time.monotonic()
    problem_of(api.get(f"/v1/jobs/{job.id}?wait=30"), 404)
    assert time.monotonic() - started < 15  # it did not wait out the 30 s


def test_a_submission_may_wait_for_its_job(api: APIClient, me: ApiClient) -> None:
    # given no worker (the API tests run none): the job stays queued
    started = time.monotonic()
    # when a client submits and waits half a second for the outcome
    response = api.post("/v1/jobs?wait=0.5", {"type": "demo.noop"}, format="json")

    # then the answer is the submission's, after the wait, with the job as it is then
    assert response.status_code == 201, response.content
    assert response["Location"] == f"/v1/jobs/{response.json()['id']}"
    assert response.json()["state"] == "queued"
    assert time.monotonic() - started >= 0.5
    assert SHORTENED_HEADER not in response


@pytest.mark.parametrize("wait", ["0", "31", "soon"])
def test_a_submission_with_an_invalid_wait_is_400_and_stores_nothing(
    api: APIClient, me: ApiClient, wait: str
) -> None:
    response = api.post(f"/v1/jobs?wait={wait}", {"type": "demo.noop"}, format="json")

    assert error_fields(problem_of(response, 400)) == {"wait"}
    assert not me.jobs.exists()
