"""The OpenAPI schema as generators read it: valid, without warnings, with stable names."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api.openapi_wire import generated_schema, wire_validator


def test_the_schema_validates_without_a_single_warning() -> None:
    schema = generated_schema()

    assert schema["openapi"].startswith("3.")


def test_the_api_key_is_a_bearer_scheme_every_operation_requires() -> None:
    schema = generated_schema()

    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "conveyor API key",
    }
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert operations
    assert all({"ApiKey": []} in op["security"] for op in operations)


def test_enums_have_names_a_client_generator_can_keep() -> None:
    names = set(generated_schema()["components"]["schemas"])

    assert {"JobStateEnum", "WebhookDeliveryOutputStateEnum"} <= names
    assert not [name for name in names if any(c.isdigit() for c in name)]


def operations() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, methods in generated_schema()["paths"].items()
        for method, operation in methods.items()
    }


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/v1/jobs", {400, 401, 403, 409, 413, 429, 503}),
        ("get", "/v1/jobs", {400, 401, 403, 429, 503}),  # a forged cursor is a 400
        ("get", "/v1/jobs/{job_id}", {400, 401, 403, 404, 429, 503}),
        ("post", "/v1/jobs/{job_id}/cancel", {401, 403, 404, 409, 413, 429, 503}),
        ("post", "/v1/jobs/batch", {400, 401, 403, 413, 429, 503}),
        ("get", "/v1/job-types", {401, 403, 429, 503}),
        ("delete", "/v1/schedules/{schedule_id}", {401, 403, 404, 429, 503}),
    ],
)
def test_every_error_an_operation_can_answer_is_a_documented_problem(
    method: str, path: str, statuses: set[int]
) -> None:
    responses = operations()[(method, path)]["responses"]

    errors = {int(code) for code in responses if int(code) >= 400}
    assert errors == statuses
    for code in errors:
        content = responses[str(code)]["content"]
        assert content == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }


def test_lists_are_documented_as_the_envelopes_the_api_answers() -> None:
    schema = generated_schema()
    schemas = schema["components"]["schemas"]
    ops = operations()

    def body(method: str, path: str) -> dict[str, Any]:
        ref = ops[(method, path)]["responses"]["200"]["content"]["application/json"]["schema"]
        found: dict[str, Any] = schemas[ref["$ref"].rsplit("/", 1)[1]]
        return found

    assert set(body("get", "/v1/jobs")["properties"]) == {"next", "previous", "results"}
    assert set(body("get", "/v1/schedules")["properties"]) == {"next", "previous", "results"}
    assert set(body("get", "/v1/job-types")["properties"]) == {"results"}
    assert set(body("get", "/v1/queues")["properties"]) == {"results"}
    parameters = {p["name"] for p in ops[("get", "/v1/jobs")]["parameters"]}
    assert {"cursor", "limit", "state", "type", "queue", "label"} <= parameters


# ---- the wire, checked against the schema ---------------------------------------------


def test_what_the_api_answers_is_what_the_schema_says(api: APIClient) -> None:
    schema = generated_schema()

    def check(method: str, path: str, response: Any, template: str | None = None) -> None:
        validator = wire_validator(schema, method, template or path, response.status_code)
        errors = [e.message for e in validator.iter_errors(response.json())]
        assert errors == [], f"{method.upper()} {path} {response.status_code}: {errors}"

    # given a submitted job with labels
    created = api.post(
        "/v1/jobs",
        {"type": "demo.sleep", "params": {"seconds": 1}, "labels": {"team": "a"}},
        format="json",
    )
    check("post", "/v1/jobs", created)
    job_id = created.json()["id"]

    # then every shape on the wire fits the schema, answers and problems alike
    check("get", f"/v1/jobs/{job_id}", api.get(f"/v1/jobs/{job_id}"), "/v1/jobs/{job_id}")
    check("get", "/v1/jobs", api.get("/v1/jobs", {"limit": 1}))
    check(
        "post",
        "/v1/jobs/batch",
        api.post("/v1/jobs/batch", {"jobs": [{"type": "demo.noop"}]}, format="json"),
    )
    check("get", "/v1/job-types", api.get("/v1/job-types"))
    check("get", "/v1/queues", api.get("/v1/queues"))
    check("post", "/v1/jobs", api.post("/v1/jobs", {"type": "demo.nope"}, format="json"))
    check("get", "/v1/jobs", api.get("/v1/jobs", {"state": "lost"}))
    check(
        "get",
        "/v1/jobs/00000000-0000-0000-0000-000000000000",
        api.get("/v1/jobs/00000000-0000-0000-0000-000000000000"),
        "/v1/jobs/{job_id}",
    )
    cancelled = api.post(f"/v1/jobs/{job_id}/cancel")
    check("post", f"/v1/jobs/{job_id}/cancel", cancelled, "/v1/jobs/{job_id}/cancel")
    again = api.post(f"/v1/jobs/{job_id}/cancel")
    assert again.status_code == 409
    check("post", f"/v1/jobs/{job_id}/cancel", again, "/v1/jobs/{job_id}/cancel")


def test_no_component_is_described_by_a_serializer_base() -> None:
    schemas = generated_schema()["components"]["schemas"]

    described = {name: s.get("description", "") for name, s in schemas.items()}
    assert not [name for name, text in described.items() if "serializer" in text.lower()]
    assert "description" not in schemas["JobOutput"]
