"""Authentication, scopes and tenancy, checked once over every endpoint of the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from conveyor.clients.scopes import (
    ALL_SCOPES,
    JOBS_READ,
    JOBS_WRITE,
    SCHEDULES_READ,
    SCHEDULES_WRITE,
)
from conveyor.jobs.models import Job
from conveyor.schedules.models import Schedule
from tests.api.conftest import MakeApi
from tests.api.problems import problem_of
from tests.factories import ApiClientFactory, JobFactory, ScheduleFactory


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # "{id}" stands for a job id, "{schedule}" for a schedule id
    scope: str

    @property
    def job_scoped(self) -> bool:
        """Acts on one of a client's rows (a job or a schedule)."""
        return "{id}" in self.path or "{schedule}" in self.path

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ENDPOINTS = [
    Endpoint("POST", "/v1/jobs", JOBS_WRITE),
    Endpoint("POST", "/v1/jobs/batch", JOBS_WRITE),
    Endpoint("GET", "/v1/jobs", JOBS_READ),
    Endpoint("GET", "/v1/jobs/{id}", JOBS_READ),
    Endpoint("POST", "/v1/jobs/{id}/cancel", JOBS_WRITE),
    Endpoint("POST", "/v1/jobs/{id}/retry", JOBS_WRITE),
    Endpoint("POST", "/v1/jobs/cancel", JOBS_WRITE),
    Endpoint("POST", "/v1/jobs/retry", JOBS_WRITE),
    Endpoint("GET", "/v1/job-types", JOBS_READ),
    Endpoint("POST", "/v1/schedules", SCHEDULES_WRITE),
    Endpoint("GET", "/v1/schedules", SCHEDULES_READ),
    Endpoint("GET", "/v1/schedules/{schedule}", SCHEDULES_READ),
    Endpoint("PATCH", "/v1/schedules/{schedule}", SCHEDULES_WRITE),
    Endpoint("DELETE", "/v1/schedules/{schedule}", SCHEDULES_WRITE),
]
SCHEDULE_BODY = {
    "name": "nightly",
    "cron": {"expression": "0 3 * * *"},
    "job": {"type": "demo.noop"},
}
JOB_SCOPED = [e for e in ENDPOINTS if e.job_scoped]


def target(endpoint: Endpoint, job: Job) -> str:
    """The id the endpoint acts on: ``job``, or a schedule of the job's client."""
    if "{schedule}" not in endpoint.path or not job.client.pk:
        return str(job.id)  # (a job never saved: its client has no schedule either)
    schedule = Schedule.objects.filter(client=job.client).first()
    return str((schedule or ScheduleFactory.create(client=job.client)).pk)


def call(api: APIClient, endpoint: Endpoint, job: Job) -> Any:
    """The endpoint, on ``job`` or on a schedule of the job's client."""
    if "{schedule}" in endpoint.path:
        path = endpoint.path.replace("{schedule}", target(endpoint, job))
        if endpoint.method == "PATCH":
            return api.patch(path, {"enabled": False}, format="json")
        if endpoint.method == "DELETE":
            return api.delete(path)
        return api.get(path)
    path = endpoint.path.replace("{id}", str(job.id))
    if endpoint.path == "/v1/schedules" and endpoint.method == "POST":
        return api.post(path, SCHEDULE_BODY, format="json")
    if endpoint.method == "POST":
        body: Any = {"type": "demo.noop"} if not endpoint.job_scoped else None
        if endpoint.path.endswith("/batch"):
            body = {"jobs": [{"type": "demo.noop"}]}
        if endpoint.path in {"/v1/jobs/cancel", "/v1/jobs/retry"}:
            body = {"type": ["demo.noop"]}
        return api.post(path, body, format="json")
    return api.get(path)


def _states(job: Job) -> tuple[str, int, list[Any]]:
    """What no refused request may change; the job's client gets a schedule to act on."""
    if not Schedule.objects.filter(client=job.client).exists():
        ScheduleFactory.create(client=job.client)
    job.refresh_from_db()
    return job.state, Job.objects.count(), list(Schedule.objects.order_by("pk").values())


def test_every_routed_v1_endpoint_is_in_the_list() -> None:
    """A new endpoint must be added to ENDPOINTS, or it escapes the checks below."""
    from conveyor.jobs.urls import urlpatterns as jobs
    from conveyor.schedules.urls import urlpatterns as schedules

    routed = {
        str(p.pattern).replace("<uuid:job_id>", "{id}").replace("<uuid:schedule_id>", "{schedule}")
        for p in [*jobs, *schedules]
    }
    listed = {e.path.removeprefix("/v1/") for e in ENDPOINTS}
    assert routed == listed


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_anonymous_is_401(anonymous: APIClient, endpoint: Endpoint) -> None:
    # given
    job = JobFactory.create(state="failed")
    before = _states(job)

    # when
    response = call(anonymous, endpoint, job)

    # then
    problem_of(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert _states(job) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_a_key_without_the_scope_is_403(make_api: MakeApi, endpoint: Endpoint) -> None:
    # given: the client owns the job but holds every scope except the one needed
    api, client = make_api(scopes=[s for s in ALL_SCOPES if s != endpoint.scope])
    job = JobFactory.create(client=client, state="failed")
    before = _states(job)

    # when
    response = call(api, endpoint, job)

    # then
    assert endpoint.scope in problem_of(response, 403)["detail"]
    assert _states(job) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_a_key_with_the_scope_alone_is_let_in(make_api: MakeApi, endpoint: Endpoint) -> None:
    """The counterpart of the 403 test: the one scope listed is enough."""
    api, client = make_api(scopes=[endpoint.scope])
    job = JobFactory.create(client=client, state="failed")

    response = call(api, endpoint, job)

    # (a failed job cannot be cancelled: 409 is the answer of the view itself)
    assert response.status_code in {200, 201, 204, 409}, response.content


@pytest.mark.parametrize("endpoint", JOB_SCOPED, ids=str)
def test_another_clients_job_is_404(make_api: MakeApi, endpoint: Endpoint) -> None:
    # given: a job of another client, in a state every job-scoped endpoint could act on
    api, _ = make_api()
    job = JobFactory.create(client=ApiClientFactory.create(), state="failed")
    before = _states(job)

    # when
    response = call(api, endpoint, job)

    # then: indistinguishable from a job that does not exist
    problem = problem_of(response, 404)
    assert target(endpoint, job) in problem["detail"]
    assert _states(job) == before


@pytest.mark.parametrize("endpoint", JOB_SCOPED, ids=str)
def test_a_job_that_does_not_exist_is_404(api: APIClient, endpoint: Endpoint) -> None:
    job = JobFactory.build()  # never saved

    response = call(api, endpoint, job)

    problem_of(response, 404)
