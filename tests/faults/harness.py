"""A fault run: submit a batch of jobs, break something, and account for every job."""

from __future__ import annotations

import dataclasses
import json
import random
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from conveyor.core.problems import DATABASE_RETRY_AFTER_SECONDS, PROBLEM_BASE
from tests import shared_services as services
from tests.e2e.platform import Platform
from tests.procs import wait_until

FINAL = ("succeeded", "failed", "cancelled")
TERMINAL_OUTCOMES = ("succeeded", "failed", "timed_out", "cancelled")


@dataclass(frozen=True)
class Refusal:
    """A submission the API did not accept: its status, ``Retry-After`` and problem type."""

    status: int
    retry_after: str | None
    problem_type: str


# What the API answers while the database is unreachable (docs/reliability.md).
DATABASE_UNAVAILABLE = Refusal(
    503, str(DATABASE_RETRY_AFTER_SECONDS), f"{PROBLEM_BASE}database-unavailable"
)


@dataclass
class Row:
    scenario: str
    broker: str
    accepted: int
    refused: int
    succeeded: int
    failed: int
    rerun_attempts: int
    duplicates: int
    stuck: int
    recover_seconds: float
    probe_restarts: int

    HEADER = (
        "scenario",
        "broker",
        "accepted",
        "refused",
        "succeeded",
        "failed",
        "reruns",
        "duplicates",
        "stuck",
        "recover s",
        "probe restarts",
    )

    def cells(self) -> tuple[str, ...]:
        return (
            self.scenario,
            self.broker,
            str(self.accepted),
            str(self.refused),
            str(self.succeeded),
            str(self.failed),
            str(self.rerun_attempts),
            str(self.duplicates),
            str(self.stuck),
            f"{self.recover_seconds:.1f}",
            str(self.probe_restarts),
        )


# Rows go to files: under pytest-xdist each test runs in a worker process, and the table
# is printed by the controller at the end of the session.
ROWS_DIR = Path(tempfile.gettempdir()) / f"conveyor-faults-{services.RUN_ID}"


def save_row(row: Row) -> None:
    ROWS_DIR.mkdir(exist_ok=True)
    (ROWS_DIR / f"{uuid.uuid4().hex}.json").write_text(json.dumps(dataclasses.asdict(row)))


def saved_rows() -> list[Row]:
    if not ROWS_DIR.is_dir():
        return []
    rows = [Row(**json.loads(p.read_text())) for p in ROWS_DIR.glob("*.json")]
    return sorted(rows, key=lambda r: (r.scenario, r.broker))


@dataclass
class FaultRun:
    platform: Platform
    scenario: str
    label: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    accepted: list[str] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def job_body(self, min_seconds: float, max_seconds: float) -> dict[str, object]:
        return {
            "type": "demo.sleep",
            "max_attempts": 5,
            "labels": {"run": self.label},
            "params": {"seconds": round(self.rng.uniform(min_seconds, max_seconds), 2), "steps": 2},
        }

    @property
    def refused(self) -> int:
        return len(self.refusals)

    def send(self, body: dict[str, object]) -> str | Refusal:
        """One submission: the job's id if accepted (201), else what the refusal said."""
        response = self.platform.http.post(
            f"{self.platform.base_url}/v1/jobs", json=body, headers=self.platform.headers()
        )
        if response.status_code == 201:
            return str(response.json()["id"])
        assert response.headers["content-type"] == "application/problem+json", response.text
        return Refusal(
            response.status_code, response.headers.get("retry-after"), response.json()["type"]
        )

    def record(self, outcome: str | Refusal) -> None:
        with self.lock:
            if isinstance(outcome, Refusal):
                self.refusals.append(outcome)
            else:
                self.accepted.append(outcome)

    def submit(self, count: int, *, min_seconds: float = 0.1, max_seconds: float = 0.8) -> None:
        """Submit ``count`` jobs from four client threads; 201s are accepted, others refused."""
        bodies = [self.job_body(min_seconds, max_seconds) for _ in range(count)]
        with ThreadPoolExecutor(4) as pool:
            for outcome in pool.map(self.send, bodies):
                self.record(outcome)

    def submit_batch(
        self, count: int, *, min_seconds: float = 0.1, max_seconds: float = 0.8, size: int = 100
    ) -> None:
        """Submit ``count`` jobs through ``POST /v1/jobs/batch``, ``size`` per request (so
        they are published as bundles); every batch must be accepted."""
        bodies = [self.job_body(min_seconds, max_seconds) for _ in range(count)]
        for start in range(0, count, size):
            response = self.platform.http.post(
                f"{self.platform.base_url}/v1/jobs/batch",
                json={"jobs": bodies[start : start + size]},
                headers=self.platform.headers(),
            )
            assert response.status_code == 201, response.text
            with self.lock:
                self.accepted.extend(str(job["id"]) for job in response.json()["jobs"])

    @contextmanager
    def submitting(self, per_second: float = 10) -> Iterator[None]:
        """A client submitting jobs, ``per_second``, in the background while the block runs
        (the traffic a fault meets; its pace, not a wait for anything)."""
        stop = threading.Event()
        errors: list[BaseException] = []

        def client() -> None:
            while not stop.wait(1 / per_second):
                try:
                    self.record(self.send(self.job_body(0.1, 0.8)))
                except BaseException as exc:  # reported by the test, not lost in the thread
                    errors.append(exc)
                    return

        thread = threading.Thread(target=client, name="submitting", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(60)
        if errors:
            raise errors[0]

    def count(self, states: tuple[str, ...]) -> int:
        rows = self.platform.sql(
            "SELECT count(*) FROM jobs_job WHERE labels->>'run' = %s AND state = ANY(%s)",
            self.label,
            list(states),
        )
        return int(rows[0][0])

    def wait_done(self, at_least: int, timeout: float = 120) -> None:
        wait_until(
            lambda: self.count(FINAL) >= at_least,
            timeout=timeout,
            interval=0.1,
            message=f"{at_least} jobs of run {self.label} to finish",
        )

    def wait_all_final(self, since: float, timeout: float = 240) -> float:
        """Seconds from ``since`` until every accepted job is final."""
        try:
            wait_until(
                lambda: self.count(FINAL) == len(self.accepted),
                timeout=timeout,
                interval=0.2,
                message="every accepted job to reach a final state",
            )
        except TimeoutError:
            raise AssertionError(f"{self.summary()}\n{self.platform.logs()}") from None
        return time.monotonic() - since

    def summary(self) -> str:
        rows = self.platform.sql(
            "SELECT state, count(*) FROM jobs_job WHERE labels->>'run' = %s GROUP BY state",
            self.label,
        )
        return f"run {self.scenario}/{self.label}: {dict(rows)} of {len(self.accepted)} accepted"

    def account(
        self,
        recover_seconds: float,
        *,
        probe_restarts: int = 0,
        refusals: Refusal | None = None,
    ) -> Row:
        """Check the promises and return the run's table row.

        ``probe_restarts``: how many times the liveness probes must have restarted a
        worker (0 unless the scenario itself stops a consumer: one that does not come back
        from a fault fails the run). ``refusals``: None when every submission must have
        been accepted (the outbox absorbs the fault); else what each refusal must be, and
        there must be some.
        """
        jobs = self.platform.sql(
            """
            SELECT j.id::text, j.state,
                   count(a.id) AS attempts,
                   count(a.id) FILTER (WHERE a.outcome = ANY(%s)) AS terminal
            FROM jobs_job j LEFT JOIN jobs_jobattempt a ON a.job_id = j.id
            WHERE j.labels->>'run' = %s
            GROUP BY j.id, j.state
            """,
            list(TERMINAL_OUTCOMES),
            self.label,
        )
        stored = {row[0] for row in jobs}
        missing, unaccepted = set(self.accepted) - stored, stored - set(self.accepted)
        assert (missing, unaccepted) == (set(), set()), (
            f"stored jobs differ from the accepted ones: {len(missing)} accepted and not "
            f"stored {sorted(missing)[:5]}, {len(unaccepted)} stored and not accepted "
            f"{sorted(unaccepted)[:5]}; refusals {self.refusals[:5]}"
        )
        row = Row(
            scenario=self.scenario,
            broker=self.platform.broker.kind,
            accepted=len(self.accepted),
            refused=self.refused,
            succeeded=sum(1 for j in jobs if j[1] == "succeeded"),
            failed=sum(1 for j in jobs if j[1] == "failed"),
            rerun_attempts=sum(max(int(j[2]) - 1, 0) for j in jobs),
            duplicates=sum(max(int(j[3]) - 1, 0) for j in jobs),
            stuck=sum(1 for j in jobs if j[1] not in FINAL),
            recover_seconds=recover_seconds,
            probe_restarts=sum(p.probe_restarts for p in self.platform.procs.values()),
        )
        save_row(row)
        assert row.stuck == 0, self.summary()
        assert row.duplicates == 0, "a job finished twice"
        assert row.succeeded == row.accepted, self.summary()
        assert row.probe_restarts == probe_restarts, (
            f"the liveness probes restarted workers {row.probe_restarts} time(s), expected "
            f"{probe_restarts}: a consumer stopped consuming\n{self.platform.logs()}"
        )
        if refusals is None:
            assert self.refusals == [], f"submissions refused: {self.refusals[:5]}"
        else:
            assert self.refusals, "no submission was refused"
            assert set(self.refusals) == {refusals}, f"refusals: {set(self.refusals)}"
        return row


def render_table(rows: list[Row]) -> str:
    table = [Row.HEADER, *(r.cells() for r in rows)]
    widths = [max(len(r[i]) for r in table) for i in range(len(Row.HEADER))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(r, widths, strict=True)) for r in table]
    return "\n".join(lines)
