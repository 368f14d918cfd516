"""Schedules on the real platform: beat's database scheduler, a worker firing the runs, and
two beats at once (a rolling update) firing each due run once."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.e2e.platform import FINAL, Platform
from tests.procs import wait_until


def sends(platform: Platform, beat: str, schedule_id: str) -> int:
    """How many times ``beat`` logged sending the schedule's periodic task."""
    log = (platform.data_dir / f"{beat}.log").read_text(errors="replace")
    return len(re.findall(rf"Sending due task conveyor-schedule-{schedule_id}\b", log))


def snapshot(platform: Platform, schedule_id: str) -> list[tuple[Any, ...]]:
    """(run due_at, run job id, job id, job state, job due-at label) for every run and
    every job of the schedule, matched by job id, read in one statement (one snapshot)."""
    return platform.sql(
        "SELECT r.due_at, r.job_id::text, j.id::text, j.state, j.labels->>'conveyor/due-at' "
        "FROM (SELECT * FROM schedules_schedulerun WHERE schedule_id = %s) r "
        "FULL OUTER JOIN (SELECT * FROM jobs_job WHERE labels->>'conveyor/schedule' = %s) j "
        "ON j.id = r.job_id",
        uuid.UUID(schedule_id),
        schedule_id,
    )


@contextmanager
def schedule(platform: Platform, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A schedule made over the API, deleted over the API afterwards (so later tests on
    the same platform see no more of its jobs)."""
    response = platform.http.post(
        f"{platform.base_url}/v1/schedules", json=body, headers=platform.headers()
    )
    assert response.status_code == 201, response.text
    created = dict(response.json())
    try:
        yield created
    finally:
        platform.http.delete(
            f"{platform.base_url}/v1/schedules/{created['id']}", headers=platform.headers()
        )


def test_an_interval_schedule_runs_its_jobs_on_a_worker(platform: Platform) -> None:
    body = {
        "name": f"pulse-{uuid.uuid4().hex[:6]}",
        "interval_seconds": 1,
        "job": {"type": "demo.sleep", "params": {"seconds": 0.1, "steps": 1}},
    }
    with schedule(platform, body) as created:
        sid = created["id"]
        url = f"{platform.base_url}/v1/jobs?label=conveyor/schedule:{sid}&state=succeeded"

        # when: beat notices the new schedule and sends it every second
        try:
            wait_until(
                lambda: (
                    len(platform.http.get(url, headers=platform.headers()).json()["results"]) >= 3
                ),
                timeout=60,
                message="three jobs of the schedule to succeed",
            )
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\n{platform.logs()}") from None

        # then: the jobs ran for distinct due instants, and the schedule shows its runs
        jobs = platform.http.get(url, headers=platform.headers()).json()["results"]
        dues = [job["labels"]["conveyor/due-at"] for job in jobs]
        assert len(set(dues)) == len(dues)
        shown = platform.http.get(
            f"{platform.base_url}/v1/schedules/{sid}", headers=platform.headers()
        ).json()
        assert shown["last_run_at"] is not None
        assert shown["next_run_at"] > shown["last_run_at"]
        # and another client does not see it
        other = platform.http.get(
            f"{platform.base_url}/v1/schedules/{sid}", headers=platform.headers("bob")
        )
        assert other.status_code == 404


def test_two_beats_at_once_fire_each_due_run_once(platform: Platform) -> None:
    # given: a second beat beside the platform's, as during a rolling update
    second = platform.start_beat("beat-2")
    try:
        wait_until(
            lambda: "beat: Starting" in second.log_path.read_text(errors="replace"),
            timeout=60,
            message="the second beat to start",
        )
        body = {
            "name": f"twice-{uuid.uuid4().hex[:6]}",
            "interval_seconds": 1,
            "job": {"type": "demo.noop"},
        }

        # when: both send the every-second schedule, several times each
        with schedule(platform, body) as created:
            sid = created["id"]
            try:
                wait_until(
                    lambda: (
                        sends(platform, "beat", sid) >= 5 and sends(platform, "beat-2", sid) >= 5
                    ),
                    timeout=90,
                    message="both beats to send the schedule five times",
                )
            except TimeoutError as exc:
                raise AssertionError(f"{exc}\n{platform.logs()}") from None
            stop = platform.http.patch(
                f"{platform.base_url}/v1/schedules/{sid}",
                json={"enabled": False},
                headers=platform.headers(),
            )
            assert stop.status_code == 200, stop.text
            # every job submitted has run (a message in flight fires nothing now)
            rows: list[tuple[Any, ...]] = []

            def all_final() -> bool:
                rows[:] = snapshot(platform, sid)
                return bool(rows) and all(row[3] in FINAL for row in rows)

            wait_until(all_final, timeout=60, message="the schedule's jobs to finish")

            # then: each run has its own job and each job its run, for its due instant
            assert all(run_job is not None and run_job == job for _, run_job, job, _, _ in rows)
            assert all(due.isoformat() == label for due, _, _, _, label in rows), rows
            # no due instant twice, and every job ran
            dues = Counter(due for due, *_ in rows)
            assert max(dues.values()) == 1, dues.most_common(3)
            assert {row[3] for row in rows} == {"succeeded"}
            # and the beats did send the same runs more than once: without the unique key
            # there would have been a job per message
            sent = sends(platform, "beat", sid) + sends(platform, "beat-2", sid)
            assert sent > len(rows), (sent, len(rows))
    finally:
        platform.procs.pop("beat-2").stop(timeout=20)
