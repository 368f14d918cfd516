"""``GET /v1/job-types``: every built-in job type with its schema and policies."""

from __future__ import annotations

from rest_framework.test import APIClient

from conveyor.jobs.types import get_job_type

BUILT_INS = {"demo.sleep", "demo.cpu", "demo.noop", "django.task", "http.request"}


def test_job_types_lists_the_built_ins_with_schema_and_policies(api: APIClient) -> None:
    # when
    response = api.get("/v1/job-types")

    # then
    assert response.status_code == 200, response.content
    types = {t["name"]: t for t in response.json()["results"]}
    assert set(types) >= BUILT_INS
    for name in BUILT_INS:
        spec = get_job_type(name)
        assert spec is not None
        shown = types[name]
        assert shown["queue"] == spec.queue
        assert shown["description"]
        assert shown["params_schema"]["type"] == "object"
        assert "properties" in shown["params_schema"]
        assert shown["params_schema"].get("additionalProperties") is False
        assert shown["time_limit_seconds"] == int(spec.time_limit.total_seconds())
        assert shown["retry"]["max_attempts"] == spec.retry.max_attempts
        assert shown["retry"].keys() == {
            "max_attempts",
            "backoff_seconds",
            "factor",
            "backoff_max_seconds",
            "retry_on",
        }


def test_job_types_show_each_params_field(api: APIClient) -> None:
    types = {t["name"]: t for t in api.get("/v1/job-types").json()["results"]}

    sleep = types["demo.sleep"]["params_schema"]
    assert set(sleep["properties"]) == {"seconds", "steps"}
    assert sleep["required"] == ["seconds"]
    assert sleep["properties"]["seconds"]["maximum"] == 3600
    assert types["demo.noop"]["params_schema"]["properties"] == {}
    assert "url" in types["http.request"]["params_schema"]["required"]
    assert types["http.request"]["retry"]["retry_on"] == ["RetryableError"]
    assert types["http.request"]["time_limit_seconds"] == 360
