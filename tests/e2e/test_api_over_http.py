"""The API as a client meets it over HTTP: errors, isolation, nothing stored on bad input."""

from __future__ import annotations

import pytest

from tests.e2e.platform import Platform

PROBLEM = "application/problem+json"


def test_a_client_sees_only_its_own_jobs(platform: Platform) -> None:
    job = platform.submit({"type": "demo.noop", "labels": {"owner": "alice"}})

    other = platform.http.get(
        f"{platform.base_url}/v1/jobs/{job['id']}", headers=platform.headers("bob")
    )
    listing = platform.http.get(
        f"{platform.base_url}/v1/jobs", headers=platform.headers("bob")
    ).json()
    cancel = platform.http.post(
        f"{platform.base_url}/v1/jobs/{job['id']}/cancel", headers=platform.headers("bob")
    )

    assert other.status_code == 404
    assert other.headers["content-type"] == PROBLEM
    assert job["id"] not in {j["id"] for j in listing["results"]}
    assert cancel.status_code == 404


@pytest.mark.parametrize(
    ("body", "headers", "status", "field"),
    [
        (b'{"type": "no.such.type"}', {}, 400, "type"),
        (b'{"type": "demo.sleep", "params": {"seconds": -1}}', {}, 400, "params.seconds"),
        (
            b'{"type": "demo.sleep", "params": {"seconds": 1, "color": "red"}}',
            {},
            400,
            "params.color",
        ),
        (b'{"type": "demo.noop", "colour": 1}', {}, 400, "colour"),
        (b'{"type": "demo.noop",', {}, 400, None),
        (b'["demo.noop"]', {}, 400, None),
        (b'{"type": "demo.noop"}', {"Authorization": ""}, 401, None),
        (b'{"type": "demo.noop"}', {"Authorization": "Bearer cvk_0000_wrong"}, 401, None),
        (b'{"type": "demo.noop"}', {"Authorization": "reader"}, 403, None),
        (b'{"type": "demo.noop", "pad": "' + b"x" * (1024 * 1024 + 10) + b'"}', {}, 413, None),
    ],
    ids=[
        "unknown-type",
        "invalid-params",
        "unknown-param",
        "unknown-field",
        "malformed-json",
        "not-an-object",
        "missing-key",
        "wrong-key",
        "wrong-scope",
        "oversized",
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    platform: Platform,
    body: bytes,
    headers: dict[str, str],
    status: int,
    field: str | None,
) -> None:
    # given
    before = platform.job_count()
    sent = {"content-type": "application/json", **platform.headers("alice")}
    if headers.get("Authorization") == "reader":
        sent.update(platform.headers("reader"))
    elif "Authorization" in headers:
        sent["Authorization"] = headers["Authorization"]
        if not headers["Authorization"]:
            del sent["Authorization"]
    # when
    response = platform.http.post(f"{platform.base_url}/v1/jobs", content=body, headers=sent)
    # then
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    if field is not None:
        assert field in {e["field"] for e in problem["errors"]}
    assert platform.job_count() == before


def test_readiness_and_docs(platform: Platform) -> None:
    ready = platform.http.get(f"{platform.base_url}/readyz").json()
    schema = platform.http.get(f"{platform.base_url}/v1/schema")
    docs = platform.http.get(f"{platform.base_url}/v1/docs")

    assert ready["checks"] == {"database": "ok", "broker": "ok"}
    assert schema.status_code == 200
    assert "/v1/jobs" in schema.text
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
