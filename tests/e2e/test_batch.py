"""``POST /v1/jobs/batch`` through gunicorn: every job stored, published and run, or none."""

from __future__ import annotations

import uuid

from tests.e2e.platform import Platform
from tests.procs import wait_until


def test_a_batch_of_jobs_all_run(platform: Platform) -> None:
    # given
    tag = uuid.uuid4().hex[:12]
    items = [{"type": "demo.noop", "labels": {"batch": tag, "n": str(i)}} for i in range(200)]
    # when
    response = platform.http.post(
        f"{platform.base_url}/v1/jobs/batch", json={"jobs": items}, headers=platform.headers()
    )
    # then every job is answered in order and every one runs
    assert response.status_code == 201, response.text
    jobs = response.json()["jobs"]
    assert [j["labels"]["n"] for j in jobs] == [str(i) for i in range(200)]

    def all_succeeded() -> bool:
        rows = platform.sql(
            "SELECT state, count(*) FROM jobs_job WHERE labels->>'batch' = %s GROUP BY state", tag
        )
        return dict(rows) == {"succeeded": 200}

    wait_until(all_succeeded, timeout=120, interval=0.5, message="the batch to succeed")


def test_an_invalid_batch_stores_and_runs_nothing(platform: Platform) -> None:
    tag = uuid.uuid4().hex[:12]
    items = [{"type": "demo.noop", "labels": {"batch": tag}}] * 10 + [
        {"type": "demo.sleep", "params": {"seconds": "long"}}
    ]

    response = platform.http.post(
        f"{platform.base_url}/v1/jobs/batch", json={"jobs": items}, headers=platform.headers()
    )

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["jobs[10].params.seconds"]
    assert platform.sql("SELECT count(*) FROM jobs_job WHERE labels->>'batch' = %s", tag) == [(0,)]
