"""Long-poll through gunicorn: the answer comes when the worker records the final state."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from tests.e2e.platform import Platform


def test_a_long_poll_answers_when_the_job_finishes(platform: Platform) -> None:
    # given a job that runs for about 2.5 s
    job = platform.submit({"type": "demo.sleep", "params": {"seconds": 2.5, "steps": 5}})
    # when the client long-polls it for up to 30 s
    started = time.monotonic()
    response = platform.http.get(
        f"{platform.base_url}/v1/jobs/{job['id']}",
        params={"wait": 30},
        headers=platform.headers(),
    )
    answered_at = datetime.now(UTC)
    took = time.monotonic() - started
    # then the answer is the finished job, sent as soon as the worker recorded it
    assert response.status_code == 200, response.text
    done = response.json()
    assert done["state"] == "succeeded", done
    assert took >= 2.5, took
    # answered after the job finished, well before the 30 s wait ran out (how fast the
    # NOTIFY wakes it is tests/integration/test_longpoll.py's business)
    assert datetime.fromisoformat(done["finished_at"]) <= answered_at
    assert took < 20, took


def test_a_long_poll_on_a_job_that_does_not_finish_answers_after_the_wait(
    platform: Platform,
) -> None:
    job = platform.submit({"type": "demo.noop", "queue": "idle"})  # no worker consumes "idle"

    started = time.monotonic()
    response = platform.http.get(
        f"{platform.base_url}/v1/jobs/{job['id']}", params={"wait": 1.5}, headers=platform.headers()
    )

    assert response.status_code == 200
    assert response.json()["state"] == "queued"
    assert time.monotonic() - started >= 1.5
    platform.post(f"/v1/jobs/{job['id']}/cancel")


def test_a_wait_above_the_ceiling_is_400(platform: Platform) -> None:
    job = platform.submit({"type": "demo.noop"})

    response = platform.http.get(
        f"{platform.base_url}/v1/jobs/{job['id']}", params={"wait": 31}, headers=platform.headers()
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "wait"


def test_a_submission_that_waits_is_answered_with_the_outcome(platform: Platform) -> None:
    # when a client submits a job and waits up to 30 s for it, in one request
    response = platform.http.post(
        f"{platform.base_url}/v1/jobs",
        params={"wait": 30},
        json={"type": "demo.noop"},
        headers=platform.headers(),
    )

    # then the answer is the finished job, with where to find it
    assert response.status_code == 201, response.text
    job = response.json()
    assert job["state"] == "succeeded", job
    assert response.headers["Location"] == f"/v1/jobs/{job['id']}"
