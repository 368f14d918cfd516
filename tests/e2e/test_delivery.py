"""Messages that arrive twice, late or malformed never run a job twice or stop a worker."""

from __future__ import annotations

from tests.e2e.platform import Platform
from tests.procs import wait_until


def test_a_duplicate_message_for_a_finished_job_is_harmless(platform: Platform) -> None:
    # given a job that succeeded
    job = platform.submit({"type": "demo.noop"})
    first = platform.wait_final(job["id"])
    assert first["state"] == "succeeded"
    # when its message is delivered again (a broker redelivery)
    sender = platform.celery()
    for _ in range(3):
        sender.send_task("conveyor.execute_job", args=[job["id"]], queue="default")
    # then the worker consumes and drops all three ...
    worker_log = platform.procs["worker"].log_path
    wait_until(
        lambda: worker_log.read_text().count(f"job {job['id']} is not queued") == 3,
        timeout=20,
        message="the three duplicates to be dropped",
    )
    # ... and the job still has its single attempt and its first outcome
    again = platform.get(job["id"])
    assert again["state"] == "succeeded"
    assert again["attempts"] == 1
    assert len(again["attempt_history"]) == 1
    assert again["finished_at"] == first["finished_at"]


def test_malformed_messages_do_not_stop_the_worker(platform: Platform) -> None:
    # given messages no job stands behind
    sender = platform.celery()
    sender.send_task("conveyor.execute_job", args=["not-a-uuid"], queue="default")
    sender.send_task("conveyor.execute_job", args=[], queue="default")
    sender.send_task(
        "conveyor.execute_job", args=["0d4c0bd8-6a9e-4b1e-9a55-000000000000"], queue="default"
    )
    sender.send_task("conveyor.no_such_task", args=[1], queue="default")
    # when a real job follows them
    job = platform.submit({"type": "demo.noop"})
    # then it runs
    assert platform.wait_final(job["id"])["state"] == "succeeded"
    assert platform.procs["worker"].alive()
