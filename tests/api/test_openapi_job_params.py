"""Each job type's params in the OpenAPI, and the API agreeing with them on the wire."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api.openapi_wire import component_validator, generated_schema


def test_each_job_type_has_a_submission_component_with_its_own_params() -> None:
    schemas = generated_schema()["components"]["schemas"]

    submission = schemas["JobSubmission_http.request"]
    assert submission["properties"]["type"]["enum"] == ["http.request"]
    assert submission["properties"]["params"] == {
        "$ref": "#/components/schemas/JobParams_http.request"
    }
    assert "params" in submission["required"]
    params = schemas["JobParams_http.request"]
    assert "url" in params["required"]
    assert params["properties"]["method"]["enum"] == [
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "HEAD",
    ]
    # a type without required params may leave them out
    assert schemas["JobSubmission_demo.noop"]["required"] == ["type"]


def test_submissions_are_one_of_the_job_types_discriminated_on_type() -> None:
    schema = generated_schema()
    schemas = schema["components"]["schemas"]

    union = schemas["JobSubmission"]
    assert union["discriminator"]["propertyName"] == "type"
    assert union["discriminator"]["mapping"]["http.request"] == (
        "#/components/schemas/JobSubmission_http.request"
    )
    assert {"$ref": "#/components/schemas/JobSubmission_demo.sleep"} in union["oneOf"]
    body = schema["paths"]["/v1/jobs"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/JobSubmission"}
    batch = schemas["JobBatchInputRequest"]["properties"]["jobs"]["items"]
    assert batch == {"$ref": "#/components/schemas/JobSubmission"}
    assert "JobCreateInputRequest" not in schemas


SUBMISSIONS = [
    ({"type": "http.request", "params": {"url": "http://127.0.0.1:9/hook"}}, True),
    ({"type": "http.request", "params": {"url": "http://127.0.0.1:9/", "method": "POST"}}, True),
    ({"type": "http.request", "params": {"method": "POST"}}, False),
    ({"type": "http.request", "params": {"url": "http://127.0.0.1:9/", "method": "BREW"}}, False),
    ({"type": "http.request"}, False),
    (
        {"type": "http.request", "params": {"url": "http://127.0.0.1:9/", "timeout_seconds": 0}},
        False,
    ),
    ({"type": "demo.sleep", "params": {"seconds": 1, "steps": 2}}, True),
    ({"type": "demo.sleep", "params": {"seconds": 1, "naps": 2}}, False),
    ({"type": "demo.sleep", "params": {"seconds": -1}}, False),
    ({"type": "demo.noop"}, True),
    ({"type": "demo.noop", "params": {"x": 1}}, False),
    ({"type": "demo.cpu", "params": {"iterations": 10}, "priority": 9}, True),
    ({"type": "demo.cpu", "params": {"iterations": 10}, "colour": "red"}, False),
    ({"type": "demo.nope", "params": {}}, False),
]


@pytest.mark.parametrize(("body", "valid"), SUBMISSIONS)
def test_a_submission_the_schema_accepts_the_api_accepts_and_so_for_refusals(
    api: APIClient, body: dict[str, Any], valid: bool
) -> None:
    # given: what the schema says of the body
    validator = component_validator(generated_schema(), "JobSubmission")
    assert validator.is_valid(body) is valid, list(validator.iter_errors(body))

    # when
    response = api.post("/v1/jobs", body, format="json")

    # then: the API says the same
    assert response.status_code == (201 if valid else 400), response.json()
    batch = api.post("/v1/jobs/batch", {"jobs": [body]}, format="json")
    assert batch.status_code == (201 if valid else 400), batch.json()


def test_a_schedules_job_template_is_typed_by_its_job_type() -> None:
    schemas = generated_schema()["components"]["schemas"]

    template = schemas["ScheduleJob_http.request"]
    assert template["properties"]["params"] == {
        "$ref": "#/components/schemas/JobParams_http.request"
    }
    assert "run_at" not in template["properties"]  # the schedule says when
    union = schemas["ScheduleJob"]
    assert union["discriminator"]["mapping"]["demo.noop"] == (
        "#/components/schemas/ScheduleJob_demo.noop"
    )
    for create_or_patch in ("ScheduleCreateInputRequest", "PatchedScheduleUpdateInputRequest"):
        job = schemas[create_or_patch]["properties"]["job"]
        assert job == {"$ref": "#/components/schemas/ScheduleJob"}
    assert "ScheduleJobInputRequest" not in schemas


TEMPLATES = [
    ({"type": "http.request", "params": {"url": "http://127.0.0.1:9/hook"}}, True),
    ({"type": "http.request", "params": {"method": "POST"}}, False),
    ({"type": "demo.sleep", "params": {"seconds": 1, "naps": 2}}, False),
    ({"type": "demo.noop"}, True),
    ({"type": "demo.nope"}, False),
]


@pytest.mark.parametrize(("job", "valid"), TEMPLATES)
def test_a_schedule_template_the_schema_accepts_the_api_accepts_and_so_for_refusals(
    api: APIClient, job: dict[str, Any], valid: bool
) -> None:
    # given: what the schema says of the template
    validator = component_validator(generated_schema(), "ScheduleJob")
    assert validator.is_valid(job) is valid, list(validator.iter_errors(job))

    # when
    body = {"name": f"typed-{job['type']}", "interval_seconds": 3600, "job": job}
    response = api.post("/v1/schedules", body, format="json")

    # then: the API says the same
    assert response.status_code == (201 if valid else 400), response.json()


@pytest.mark.parametrize("path", ["nodots", "a..b", "1a.b", "shop.tasks.send receipt"])
def test_a_django_task_path_is_checked_beyond_what_the_schema_states(
    api: APIClient, path: str
) -> None:
    # a dotted path is checked by a validator, not a schema pattern (django_task.py says why)
    response = api.post(
        "/v1/jobs", {"type": "django.task", "params": {"task": path}}, format="json"
    )

    assert response.status_code == 400, response.json()
    assert "module path" in str(response.json())
