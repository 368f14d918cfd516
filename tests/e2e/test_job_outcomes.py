"""A job's life through real processes: submit over HTTP, run on a worker, see the outcome."""

from __future__ import annotations

from tests.e2e.httpserver import Target
from tests.e2e.platform import Platform, elapsed


def test_a_sleep_job_succeeds_and_reports_progress(platform: Platform) -> None:
    # given
    job = platform.submit(
        {"type": "demo.sleep", "params": {"seconds": 0.6, "steps": 3}, "labels": {"suite": "e2e"}}
    )
    assert job["state"] == "queued"
    # when
    done = platform.wait_final(job["id"])
    # then
    assert done["state"] == "succeeded"
    assert done["result"] == {"slept_seconds": 0.6}
    assert done["progress"] == {"percent": 100.0, "message": "step 3 of 3"}
    assert done["attempts"] == 1
    assert [a["outcome"] for a in done["attempt_history"]] == ["succeeded"]
    assert done["started_at"]
    assert done["finished_at"]
    assert elapsed(done["started_at"], done["finished_at"]) >= 0.6


def test_http_request_returns_status_headers_and_body(platform: Platform, target: Target) -> None:
    job = platform.submit(
        {
            "type": "http.request",
            "params": {"url": f"{target.url}/echo", "method": "POST", "body": {"hello": "world"}},
        }
    )

    done = platform.wait_final(job["id"])

    assert done["state"] == "succeeded", done
    assert done["result"]["status"] == 200
    assert done["result"]["headers"]["content-type"] == "application/json"
    assert '"received": "{\\"hello\\": \\"world\\"}"' in done["result"]["body"]
    assert done["result"]["body_truncated"] is False


def test_a_failing_job_is_retried_with_backoff_then_fails(
    platform: Platform, target: Target
) -> None:
    # given a destination that always answers 500, and three attempts
    path = f"/status/500/{platform.broker.kind}"
    job = platform.submit(
        {"type": "http.request", "max_attempts": 3, "params": {"url": f"{target.url}{path}"}}
    )
    # when
    done = platform.wait_final(job["id"], timeout=90)
    # then it failed after exactly three attempts, each recorded
    assert done["state"] == "failed"
    assert done["attempts"] == 3
    assert done["error"]["type"] == "RetryableError"
    assert "answered 500" in done["error"]["message"]
    history = done["attempt_history"]
    assert [a["outcome"] for a in history] == ["retrying", "retrying", "failed"]
    # and the waits between attempts follow the backoff (2 s then 4 s nominal, equal
    # jitter: never less than half)
    gaps = [elapsed(history[i]["finished_at"], history[i + 1]["started_at"]) for i in (0, 1)]
    assert gaps[0] >= 1.0
    assert gaps[1] >= 2.0
    assert target.count(path) == 3


def test_a_permanent_error_fails_at_once(platform: Platform, target: Target) -> None:
    job = platform.submit({"type": "http.request", "params": {"url": f"{target.url}/status/404"}})

    done = platform.wait_final(job["id"])

    assert done["state"] == "failed"
    assert done["attempts"] == 1
    assert done["error"]["type"] == "PermanentError"


def test_a_private_destination_is_refused(platform: Platform) -> None:
    # 10.0.0.1 is private and not in CONVEYOR_HTTP_ALLOWED_NETWORKS: nothing is sent.
    job = platform.submit({"type": "http.request", "params": {"url": "http://10.0.0.1/"}})

    done = platform.wait_final(job["id"])

    assert done["state"] == "failed"
    assert done["error"]["type"] == "DestinationRefused"
    assert "CONVEYOR_HTTP_ALLOWED_NETWORKS" in done["error"]["message"]


def test_a_job_over_its_time_limit_fails(platform: Platform) -> None:
    job = platform.submit(
        {"type": "demo.sleep", "timeout_seconds": 1, "params": {"seconds": 30, "steps": 30}}
    )

    done = platform.wait_final(job["id"], timeout=30)

    assert done["state"] == "failed"
    assert done["error"]["type"] == "TimeLimitExceeded"
    assert done["attempts"] == 1
    assert [a["outcome"] for a in done["attempt_history"]] == ["timed_out"]
    assert elapsed(done["started_at"], done["finished_at"]) < 15


def test_a_failed_job_can_be_retried_and_then_succeed(platform: Platform, target: Target) -> None:
    # given a job that failed because its destination was down
    name = f"retry-{platform.broker.kind}"
    target.failing.add(name)
    job = platform.submit(
        {
            "type": "http.request",
            "max_attempts": 1,
            "params": {"url": f"{target.url}/toggle/{name}"},
        }
    )
    assert platform.wait_final(job["id"])["state"] == "failed"
    # when the destination is back and the client retries
    target.failing.discard(name)
    response = platform.post(f"/v1/jobs/{job['id']}/retry")
    # then it runs again and succeeds
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "queued"
    done = platform.wait_final(job["id"])
    assert done["state"] == "succeeded"
    assert [a["outcome"] for a in done["attempt_history"]] == ["failed", "succeeded"]
    # and a succeeded job cannot be retried
    again = platform.post(f"/v1/jobs/{job['id']}/retry")
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


def test_a_delayed_job_waits_then_runs(platform: Platform) -> None:
    job = platform.submit({"type": "demo.noop", "delay_seconds": 2})
    assert job["state"] == "scheduled"

    done = platform.wait_final(job["id"], timeout=30)

    assert done["state"] == "succeeded"
    assert elapsed(job["created_at"], done["started_at"]) >= 2
