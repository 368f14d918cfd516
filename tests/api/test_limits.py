"""Fair share (issue 16): request throttle, unfinished-jobs and schedule caps, minimum
schedule interval, run_at horizon, the demo job types off by default. Over a limit: 429
problem+json with Retry-After (400 naming the field for horizon and interval), nothing
stored; a client's own limits override the platform's."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from conveyor.jobs.models import Job
from conveyor.schedules.models import Schedule
from tests.api.conftest import MakeApi
from tests.api.problems import error_fields, problem_of
from tests.factories import JobFactory
from tests.procs import fresh_python_report

NOOP = {"type": "demo.noop", "params": {}}
INTERVAL = {"name": "pulse", "interval_seconds": 60, "job": NOOP}


def retry_after(response: Any) -> int:
    value = int(response["Retry-After"])
    assert value >= 1, value
    return value


# -- request throttle ------------------------------------------------------------------


def test_requests_beyond_the_rate_are_429_with_retry_after(
    settings: Any, make_api: MakeApi
) -> None:
    settings.CONVEYOR_THROTTLE_RATE = "5/m"
    api, _ = make_api()
    other, _ = make_api()
    for _ in range(5):
        assert api.get("/v1/jobs").status_code == 200
    refused = api.post("/v1/jobs", NOOP, format="json")
    body = problem_of(refused, 429)
    assert body["type"].endswith("/too-many-requests"), body
    assert 1 <= retry_after(refused) <= 60
    assert Job.objects.count() == 0
    # Another client has its own share.
    assert other.get("/v1/jobs").status_code == 200


def test_a_clients_own_rate_overrides_the_default(settings: Any, make_api: MakeApi) -> None:
    settings.CONVEYOR_THROTTLE_RATE = "1000/m"
    api, _ = make_api(throttle_rate="2/h")
    assert api.get("/v1/jobs").status_code == 200
    assert api.get("/v1/jobs").status_code == 200
    problem_of(api.get("/v1/jobs"), 429)


def test_the_throttle_counts_in_the_cache_every_process_shares(
    settings: Any, make_api: MakeApi
) -> None:
    """Not a per-process memory: another process reads the same counter."""
    settings.CONVEYOR_THROTTLE_RATE = "100/m"
    api, client = make_api()
    for _ in range(3):
        assert api.get("/v1/jobs").status_code == 200
    backend = type(cache._connections[cache._alias]).__name__  # type: ignore[attr-defined]
    assert backend in {"RedisCache", "DatabaseCache"}, backend
    key = f"throttle_client_{client.pk}.{client.key_prefix}"
    assert len(cache.get(key)) == 3
    if backend == "DatabaseCache":
        return  # the test database lives in this test's transaction: not visible outside
    seen = fresh_python_report(
        "import django, json; django.setup(); from django.core.cache import cache; "
        f"print(json.dumps(len(cache.get({key!r}) or [])))"
    )
    assert seen == 3


# -- unfinished jobs ---------------------------------------------------------------------


def test_submissions_beyond_the_unfinished_jobs_cap_are_429(
    settings: Any, make_api: MakeApi
) -> None:
    settings.CONVEYOR_MAX_UNFINISHED_JOBS = 3
    api, me = make_api()
    for _ in range(2):
        assert api.post("/v1/jobs", NOOP, format="json").status_code == 201
    JobFactory.create(client=me, succeeded=True)  # finished jobs do not count
    assert api.post("/v1/jobs", NOOP, format="json").status_code == 201
    refused = api.post("/v1/jobs", NOOP, format="json")
    body = problem_of(refused, 429)
    assert body["type"].endswith("/limit-exceeded"), body
    retry_after(refused)
    assert Job.objects.filter(client=me).count() == 4


def test_a_batch_counts_every_item_and_stores_none_over_the_cap(
    settings: Any, make_api: MakeApi
) -> None:
    settings.CONVEYOR_MAX_UNFINISHED_JOBS = 5
    api, me = make_api()
    assert api.post("/v1/jobs/batch", {"jobs": [NOOP] * 3}, format="json").status_code == 201
    refused = api.post("/v1/jobs/batch", {"jobs": [NOOP] * 3}, format="json")
    problem_of(refused, 429)
    retry_after(refused)
    assert Job.objects.filter(client=me).count() == 3
    assert api.post("/v1/jobs/batch", {"jobs": [NOOP] * 2}, format="json").status_code == 201


def test_a_clients_own_cap_overrides_the_default(settings: Any, make_api: MakeApi) -> None:
    settings.CONVEYOR_MAX_UNFINISHED_JOBS = 1
    api, _ = make_api(max_unfinished_jobs=0)  # 0: no limit for this client
    for _ in range(3):
        assert api.post("/v1/jobs", NOOP, format="json").status_code == 201


# -- run_at horizon ----------------------------------------------------------------------


@pytest.mark.parametrize("field", ["run_at", "delay_seconds"])
def test_run_at_beyond_the_horizon_is_400_naming_the_field(
    settings: Any, make_api: MakeApi, field: str
) -> None:
    settings.CONVEYOR_RUN_AT_HORIZON = timedelta(days=30)
    api, _ = make_api()
    far = timezone.now() + timedelta(days=31)
    when: Any = far.isoformat() if field == "run_at" else 31 * 86400
    body = problem_of(api.post("/v1/jobs", {**NOOP, field: when}, format="json"), 400)
    assert error_fields(body) == {"run_at"}, body
    batch = {"jobs": [NOOP, {**NOOP, field: when}]}
    body = problem_of(api.post("/v1/jobs/batch", batch, format="json"), 400)
    assert error_fields(body) == {"jobs[1].run_at"}, body
    assert Job.objects.count() == 0
    year_9999 = {**NOOP, "run_at": "9999-01-01T00:00:00Z"}
    problem_of(api.post("/v1/jobs", year_9999, format="json"), 400)
    near = {**NOOP, "run_at": (timezone.now() + timedelta(days=29)).isoformat()}
    assert api.post("/v1/jobs", near, format="json").status_code == 201


# -- schedules ---------------------------------------------------------------------------


def test_schedules_beyond_the_cap_are_429(settings: Any, make_api: MakeApi) -> None:
    settings.CONVEYOR_MAX_SCHEDULES = 2
    api, me = make_api()
    for name in ("a", "b"):
        assert (
            api.post("/v1/schedules", {**INTERVAL, "name": name}, format="json").status_code == 201
        )
    refused = api.post("/v1/schedules", {**INTERVAL, "name": "c"}, format="json")
    body = problem_of(refused, 429)
    assert body["type"].endswith("/limit-exceeded"), body
    retry_after(refused)
    assert Schedule.objects.filter(client=me).count() == 2


def test_an_interval_below_the_minimum_is_400_on_create_and_update(
    settings: Any, make_api: MakeApi
) -> None:
    settings.CONVEYOR_MIN_SCHEDULE_INTERVAL = timedelta(seconds=60)
    api, _ = make_api()
    body = problem_of(
        api.post("/v1/schedules", {**INTERVAL, "interval_seconds": 1}, format="json"), 400
    )
    assert error_fields(body) == {"interval_seconds"}, body
    assert Schedule.objects.count() == 0
    created = api.post("/v1/schedules", INTERVAL, format="json").json()
    body = problem_of(
        api.patch(f"/v1/schedules/{created['id']}", {"interval_seconds": 59}, format="json"),
        400,
    )
    assert error_fields(body) == {"interval_seconds"}, body
    assert Schedule.objects.get().interval_seconds == 60


def test_a_clients_own_minimum_interval_overrides_the_default(
    settings: Any, make_api: MakeApi
) -> None:
    settings.CONVEYOR_MIN_SCHEDULE_INTERVAL = timedelta(seconds=60)
    api, _ = make_api(min_schedule_interval_seconds=5)
    body = {**INTERVAL, "interval_seconds": 5}
    assert api.post("/v1/schedules", body, format="json").status_code == 201


# -- demo job types ----------------------------------------------------------------------


def test_demo_job_types_are_refused_unless_enabled(settings: Any, make_api: MakeApi) -> None:
    settings.CONVEYOR_DEMO_JOB_TYPES = False
    api, _ = make_api()
    sleep = {"type": "demo.sleep", "params": {"seconds": 3600}}
    body = problem_of(api.post("/v1/jobs", sleep, format="json"), 400)
    assert body["errors"][0]["field"] == "type"
    assert body["errors"][0]["code"] == "disabled"
    problem_of(api.post("/v1/jobs/batch", {"jobs": [sleep]}, format="json"), 400)
    problem_of(api.post("/v1/schedules", {**INTERVAL, "job": sleep}, format="json"), 400)
    assert Job.objects.count() == 0
    settings.CONVEYOR_DEMO_JOB_TYPES = True
    assert api.post("/v1/jobs", sleep, format="json").status_code == 201


def test_demo_job_types_are_off_by_default() -> None:
    env = dict(os.environ)
    env.pop("CONVEYOR_DEMO_JOB_TYPES", None)
    on = fresh_python_report(
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.CONVEYOR_DEMO_JOB_TYPES))",
        env=env,
    )
    assert on is False


def test_the_admin_edits_a_clients_own_limits(admin_client: Any, make_api: MakeApi) -> None:
    # given a client on the platform's defaults
    _, client = make_api()
    url = f"/admin/clients/apiclient/{client.pk}/change/"
    page = admin_client.get(url).content.decode()
    # then its change page has a field for each of its own limits
    for field in (
        "throttle_rate",
        "max_unfinished_jobs",
        "max_running_jobs",
        "max_schedules",
        "min_schedule_interval_seconds",
        "run_at_horizon_days",
    ):
        assert f'name="{field}"' in page, field
    # when an operator caps its running jobs and leaves the other limits empty
    response = admin_client.post(
        url,
        {"name": client.name, "scopes": ["jobs:read"], "is_active": "on", "max_running_jobs": 2},
    )
    # then the cap is stored, and the others stay the platform's
    assert response.status_code == 302, response.content.decode()[:2000]
    client.refresh_from_db()
    assert (client.max_running_jobs, client.max_unfinished_jobs, client.throttle_rate) == (
        2,
        None,
        "",
    )
