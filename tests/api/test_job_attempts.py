"""``GET /v1/jobs/{id}``' attempt history: each attempt's exception path; its traceback for
``django.task`` jobs only (a Django project's own code, which its ``TaskResult.errors``
carry), never for the other job types; the worker of the attempt under way."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from conveyor.clients.models import ApiClient
from conveyor_worker import attempts
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def failed_once(job_type: str, me: ApiClient) -> str:
    job = JobFactory.create(
        client=me, type=job_type, params={"task": "shop.tasks.mail", "args": [], "kwargs": {}}
    )
    claim = attempts.claim(job.id, worker="worker-7", message_id=None)
    assert claim is not None
    failure = attempts.Failure(
        "MailError", "busy", "Traceback (most recent call last): ...", "shop.tasks.MailError"
    )
    assert attempts.record_failure(claim, failure)
    return str(job.id)


@pytest.mark.parametrize(
    ("job_type", "traceback"),
    [("django.task", "Traceback (most recent call last): ..."), ("demo.noop", "")],
)
def test_an_attempts_traceback_is_shown_for_django_tasks_only(
    api: APIClient, me: ApiClient, job_type: str, traceback: str
) -> None:
    job_id = failed_once(job_type, me)
    response = api.get(f"/v1/jobs/{job_id}")
    assert response.status_code == 200
    [attempt] = response.json()["attempt_history"]
    assert (attempt["worker"], attempt["error_path"]) == ("worker-7", "shop.tasks.MailError")
    assert attempt["error_traceback"] == traceback


def test_the_running_attempts_worker_is_shown(api: APIClient, me: ApiClient) -> None:
    job = JobFactory.create(client=me)
    assert api.get(f"/v1/jobs/{job.id}").json()["worker"] == ""
    assert attempts.claim(job.id, worker="worker-9", message_id=None) is not None
    assert api.get(f"/v1/jobs/{job.id}").json()["worker"] == "worker-9"
