"""Cancelling jobs in every state a cancel applies to, through real processes."""

from __future__ import annotations

from tests.e2e.httpserver import Target
from tests.e2e.platform import Platform


def test_cancel_a_queued_job(platform: Platform) -> None:
    # given a job on a queue no worker consumes, so it stays queued
    job = platform.submit({"type": "demo.noop", "queue": "idle"})
    # when
    response = platform.post(f"/v1/jobs/{job['id']}/cancel")
    # then
    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    assert platform.get(job["id"])["attempt_history"] == []


def test_cancel_a_scheduled_job(platform: Platform) -> None:
    job = platform.submit({"type": "demo.noop", "delay_seconds": 3600})

    response = platform.post(f"/v1/jobs/{job['id']}/cancel")

    assert response.json()["state"] == "cancelled"


def test_cancel_a_running_job_stops_its_handler(platform: Platform) -> None:
    # given a long job that is running
    job = platform.submit({"type": "demo.sleep", "params": {"seconds": 60, "steps": 60}})
    platform.wait_state(job["id"], "running")
    # when
    response = platform.post(f"/v1/jobs/{job['id']}/cancel")
    # then it is cancelling at once, and cancelled once its handler saw it
    assert response.json()["state"] == "cancelling"
    done = platform.wait_final(job["id"], timeout=15)
    assert done["state"] == "cancelled"
    assert [a["outcome"] for a in done["attempt_history"]] == ["cancelled"]


def test_a_handler_that_ignores_a_cancel_is_terminated(platform: Platform, target: Target) -> None:
    # given a job blocked in a slow HTTP call (it cannot check for a cancel)
    job = platform.submit(
        {
            "type": "http.request",
            "params": {"url": f"{target.url}/slow?seconds=40", "timeout_seconds": 60},
        }
    )
    platform.wait_state(job["id"], "running")
    # when it is cancelled (the platform's grace is 2 s)
    assert platform.post(f"/v1/jobs/{job['id']}/cancel").json()["state"] == "cancelling"
    # then the dispatcher terminates the attempt and the job ends cancelled
    done = platform.wait_final(job["id"], timeout=20)
    assert done["state"] == "cancelled"
    # and the worker goes on running jobs
    after = platform.submit({"type": "demo.noop"})
    assert platform.wait_final(after["id"])["state"] == "succeeded"


def test_a_final_job_cannot_be_cancelled(platform: Platform) -> None:
    job = platform.submit({"type": "demo.noop"})
    platform.wait_final(job["id"])

    response = platform.post(f"/v1/jobs/{job['id']}/cancel")

    assert response.status_code == 409
    assert response.json()["status"] == 409
