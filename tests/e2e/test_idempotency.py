"""``Idempotency-Key`` through gunicorn on PostgreSQL: retries and races make one job."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.e2e.platform import Platform


def post(platform: Platform, body: dict[str, object], key: str) -> httpx.Response:
    return platform.http.post(
        f"{platform.base_url}/v1/jobs",
        json=body,
        headers={**platform.headers(), "Idempotency-Key": key},
    )


def test_a_resent_submission_runs_once(platform: Platform) -> None:
    # given a job submitted with a key
    key = f"e2e-{uuid.uuid4()}"
    body: dict[str, object] = {"type": "demo.noop", "labels": {"key": key[:60]}}
    first = post(platform, body, key)
    assert first.status_code == 201, first.text
    # when the client sends it again, and once with another body
    again = post(platform, body, key)
    other = post(platform, {**body, "priority": 1}, key)
    # then it gets the same job, the other body is a conflict, and the job ran once
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    done = platform.wait_final(first.json()["id"])
    assert done["state"] == "succeeded"
    assert done["attempts"] == 1
    rows = platform.sql("SELECT count(*) FROM jobs_job WHERE labels->>'key' = %s", key[:60])
    assert rows[0][0] == 1


def test_concurrent_submissions_with_one_key_make_one_job(platform: Platform) -> None:
    key = f"race-{uuid.uuid4()}"
    body: dict[str, object] = {"type": "demo.noop", "labels": {"key": key[:60]}}

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: post(platform, body, key), range(8)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 7 + [201], [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    rows = platform.sql("SELECT count(*) FROM jobs_job WHERE labels->>'key' = %s", key[:60])
    assert rows[0][0] == 1
