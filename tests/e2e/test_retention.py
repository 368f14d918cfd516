"""The retention task, sent by beat and run by a worker, deletes finished jobs past
their age and leaves the rest."""

from __future__ import annotations

from tests import shared_services as services
from tests.e2e.platform import Platform
from tests.procs import wait_until

RETENTION = {"CONVEYOR_JOB_RETENTION_DAYS": "1", "CONVEYOR_RETENTION_INTERVAL_SECONDS": "1"}


def test_beat_and_a_worker_delete_jobs_past_their_retention() -> None:
    services.require("postgres")
    services.require("redis")
    with Platform.running("redis", extra_env=RETENTION, worker_concurrency=1) as platform:
        # given two finished jobs, one of which finished two days ago
        old, recent = (platform.submit({"type": "demo.noop"}) for _ in range(2))
        for job in (old, recent):
            assert platform.wait_final(job["id"])["state"] == "succeeded"
        platform.sql(
            "UPDATE jobs_job SET finished_at = now() - interval '2 days'"
            " WHERE id = %s RETURNING id",
            old["id"],
        )

        # when the retention task has run (beat sends it every second)
        def old_job_gone() -> bool:
            return not platform.sql("SELECT 1 FROM jobs_job WHERE id = %s", old["id"])

        wait_until(old_job_gone, timeout=30, message="the old job to be deleted")

        # then the old job is gone from the API too, and the recent one is kept
        gone = platform.http.get(
            f"{platform.base_url}/v1/jobs/{old['id']}", headers=platform.headers()
        )
        assert gone.status_code == 404
        assert platform.get(recent["id"])["state"] == "succeeded"
