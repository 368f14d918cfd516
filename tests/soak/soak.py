"""A soak: minutes of continuous submissions on a real platform while faults follow one
another, then an account of every job.

Clients submit single jobs and batches of several job types (some that retry before they
succeed, some meant to fail, some cancelled while scheduled or running). Meanwhile a
schedule of faults runs: a worker's pool process killed (SIGKILL) every few seconds, and
once each a whole worker killed and started again, the broker restarted and PostgreSQL
stopped for a few seconds. At the end every accepted job must be final, each as intended;
no job may have finished twice (its handler's side effect, counted per attempt, more than
once only for attempts the platform recorded as cut short); the broker's queues must be
empty and every worker must still consume (a probe job on a queue only it reads).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis

from tests import shared_services as services
from tests.e2e.platform import Broker, Platform
from tests.faults.conftest import FAULT_ENV
from tests.private_services import OwnRabbitMQ
from tests.procs import Proc, wait_until
from tests.soak.effects import EFFECTS_KEY_ENV, EFFECTS_URL_ENV
from tests.soak.report import SoakRow

#: How long the soak submits and breaks things; ``make soak`` sets 300.
SECONDS_ENV = "SOAK_SECONDS"
#: The short form, run by ``make test``.
SHORT_SECONDS = 35.0
# The fault schedule: a pool process killed this often, the other faults once each at
# these fractions of the soak, the database down this long.
POOL_KILL_SECONDS = 4.0
WORKER_KILL_AT, BROKER_RESTART_AT, DATABASE_BLIP_AT = 0.25, 0.5, 0.75
DATABASE_OUTAGE_SECONDS = 3.0
# The clients' pace: a single job every tick, a batch every few ticks (about 3.7 jobs/s).
TICK_SECONDS = 1.0
BATCH_EVERY_TICKS = 3
BATCH = ("effect",) * 3 + ("flaky",) * 2 + ("doomed", "cancel-scheduled", "cancel-running")
# The longest the jobs may take to finish once submissions stop.
DRAIN_TIMEOUT_SECONDS = 180.0
# A job to cancel while it runs is cancelled this long after its submission.
CANCEL_RUNNING_AFTER_SECONDS = 1.5

FINAL = ("succeeded", "failed", "cancelled")
TERMINAL_OUTCOMES = ("succeeded", "failed", "timed_out", "cancelled")
# Attempts cut short after their handler may have acted: the only ones a second side
# effect may come from.
CUT_SHORT = ("lost", "interrupted")
WORKERS = ("worker", "worker2")
ROOT = Path(__file__).resolve().parents[2]


def soak_seconds() -> float:
    return float(os.environ.get(SECONDS_ENV) or SHORT_SECONDS)


def probe_queue(worker: str) -> str:
    return f"soak-probe-{worker}"


def worker_queues(worker: str) -> str:
    return f"default,conveyor,{probe_queue(worker)}"


def soak_env(effects_key: str) -> dict[str, str]:
    return {
        **FAULT_ENV,
        "PYTHONPATH": str(ROOT),  # the soak's job types and handlers
        "CONVEYOR_JOB_TYPE_MODULES": "conveyor.jobtypes,tests.soak.jobtypes",
        "CONVEYOR_HANDLER_MODULES": "conveyor_worker.handlers,tests.soak.handlers",
        "CONVEYOR_EXTRA_QUEUES": ",".join(probe_queue(w) for w in WORKERS),
        EFFECTS_URL_ENV: services.REDIS_URL,
        EFFECTS_KEY_ENV: effects_key,
    }


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:  # the process just ended
        return []
    return [int(p) for p in text.split()]


def readies(proc: Proc) -> int:
    """How many times the worker has said it consumes (Celery logs ``ready.``)."""
    return proc.log_path.read_text(errors="replace").count(" ready.")


def consuming(proc: Proc) -> bool:
    """The worker runs and has said it consumes since it last started."""
    return proc.alive() and readies(proc) > proc.restarts


def crashes(proc: Proc) -> list[str]:
    """The worker's log lines saying why it stopped on its own."""
    text = proc.log_path.read_text(errors="replace")
    return [line for line in text.splitlines() if "Unrecoverable error" in line]


@dataclass
class Faults:
    """What the soak breaks besides pool processes: the broker restart and the database's
    stop and start, on the servers the test started for itself."""

    restart_broker: Callable[[], None]
    stop_database: Callable[[], object]
    start_database: Callable[[], object]
    #: messages the broker still holds, by queue
    broker_backlog: Callable[[], dict[str, int]]


@dataclass
class Soak:
    platform: Platform
    faults: Faults
    seconds: float
    effects_key: str
    label: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    rng: random.Random = field(default_factory=lambda: random.Random(14))
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    stop: threading.Event = field(default_factory=threading.Event, repr=False)
    #: accepted job id -> what it is for (a BATCH entry)
    accepted: dict[str, str] = field(default_factory=dict)
    refused: int = 0
    unanswered: int = 0
    unexpected: list[str] = field(default_factory=list)
    #: (when, job id): jobs to cancel
    to_cancel: list[tuple[float, str]] = field(default_factory=list)
    cancel_requested: set[str] = field(default_factory=set)
    cancel_too_late: set[str] = field(default_factory=set)
    pool_kills: int = 0
    pool_turns: int = 0
    unrecorded_reruns: list[str] = field(default_factory=list)
    worker_kills: int = 0
    events: list[str] = field(default_factory=list)

    # ---- the clients ----------------------------------------------------------------

    def body(self, kind: str) -> dict[str, Any]:
        labels = {"run": self.label, "kind": kind}
        if kind == "effect":
            return {
                "type": "soak.effect",
                "params": {"seconds": round(self.rng.uniform(0.1, 1.0), 2)},
                "labels": labels,
            }
        if kind == "flaky":
            params = {"failures": self.rng.randint(1, 2), "seconds": 0.2}
            return {"type": "soak.flaky", "params": params, "labels": labels}
        if kind == "doomed":
            return {"type": "soak.doomed", "labels": labels}
        if kind == "cancel-scheduled":
            params = {"seconds": 1, "steps": 2}
            return {"type": "demo.sleep", "params": params, "delay_seconds": 600, "labels": labels}
        if kind == "cancel-running":
            params = {"seconds": 6, "steps": 12}
            return {"type": "demo.sleep", "params": params, "max_attempts": 10, "labels": labels}
        raise ValueError(kind)

    def post(self, path: str, json: Any = None) -> httpx.Response | None:
        try:
            return self.platform.http.post(
                f"{self.platform.base_url}{path}", json=json, headers=self.platform.headers()
            )
        except httpx.TransportError:
            with self.lock:
                self.unanswered += 1
            return None

    def refused_or_unexpected(self, response: httpx.Response, jobs: int) -> None:
        """A submission not accepted: a 503 problem (the database down) is a refusal the
        client retries; anything else is a bug."""
        with self.lock:
            if response.status_code == 503 and response.headers.get("content-type") == (
                "application/problem+json"
            ):
                self.refused += jobs
            else:
                self.unexpected.append(f"{response.status_code}: {response.text[:500]}")

    def accept(self, job_id: str, kind: str) -> None:
        with self.lock:
            self.accepted[job_id] = kind
            if kind.startswith("cancel-"):
                later = CANCEL_RUNNING_AFTER_SECONDS if kind == "cancel-running" else 0
                self.to_cancel.append((time.monotonic() + later, job_id))

    def submit_one(self, kind: str) -> None:
        response = self.post("/v1/jobs", self.body(kind))
        if response is None:
            return
        if response.status_code == 201:
            self.accept(str(response.json()["id"]), kind)
        else:
            self.refused_or_unexpected(response, 1)

    def submit_batch(self, kinds: tuple[str, ...]) -> None:
        response = self.post("/v1/jobs/batch", {"jobs": [self.body(k) for k in kinds]})
        if response is None:
            return
        if response.status_code == 201:
            for job, kind in zip(response.json()["jobs"], kinds, strict=True):
                self.accept(str(job["id"]), kind)
        else:
            self.refused_or_unexpected(response, len(kinds))

    def cancel_due(self, now: float) -> None:
        with self.lock:
            due = [item for item in self.to_cancel if item[0] <= now]
        for item in due:
            response = self.post(f"/v1/jobs/{item[1]}/cancel")
            if response is None or response.status_code == 503:
                continue  # the database is down: again next time
            with self.lock:
                self.to_cancel.remove(item)
                if response.status_code == 200:
                    self.cancel_requested.add(item[1])
                elif response.status_code == 409:  # it finished first
                    self.cancel_too_late.add(item[1])
                else:
                    self.unexpected.append(f"cancel {response.status_code}: {response.text}")

    def clients(self) -> None:
        tick = 0
        while not self.stop.wait(TICK_SECONDS):
            self.submit_one("effect")
            if tick % BATCH_EVERY_TICKS == 0:
                self.submit_batch(BATCH)
            self.cancel_due(time.monotonic())
            tick += 1

    # ---- the faults -----------------------------------------------------------------

    def note(self, event: str) -> None:
        self.events.append(f"{time.strftime('%H:%M:%S')} {event}")

    def kill_pool_process(self) -> None:
        """SIGKILL to one pool process, of each worker in turn."""
        self.pool_turns += 1
        proc = self.platform.procs[WORKERS[self.pool_turns % len(WORKERS)]]
        # not while it starts (after a crash): a pool process lost then ends the worker
        # ("Could not start worker processes"), a fault the soak is not about
        pool = children(proc.pid) if consuming(proc) else []
        if not pool:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.rng.choice(pool), signal.SIGKILL)
            self.pool_kills += 1

    def kill_worker(self) -> None:
        """SIGKILL to a whole worker (its process group); its supervisor starts it again,
        as the kubelet restarts a pod's container."""
        proc = self.platform.procs[WORKERS[-1]]
        before = readies(proc)
        os.killpg(proc.pid, signal.SIGKILL)
        self.worker_kills += 1
        wait_until(
            lambda: readies(proc) > before,
            timeout=120,
            message=f"{proc.name} to consume again after its restart",
        )

    def blip_database(self) -> None:
        self.faults.stop_database()
        # the outage's length: part of the schedule, not a wait for anything
        threading.Event().wait(DATABASE_OUTAGE_SECONDS)
        self.faults.start_database()

    def chaos(self, over: threading.Event) -> None:
        """The fault schedule; sets ``over`` once the soak's time is up and every fault of
        the schedule has happened."""
        started = time.monotonic()
        once: list[tuple[float, str, Callable[[], object]]] = [
            (WORKER_KILL_AT, "whole worker killed and restarted", self.kill_worker),
            (BROKER_RESTART_AT, "broker restarted", self.faults.restart_broker),
            (DATABASE_BLIP_AT, "database stopped and started", self.blip_database),
        ]
        while not self.stop.wait(POOL_KILL_SECONDS):
            self.kill_pool_process()
            elapsed = time.monotonic() - started
            while once and elapsed >= once[0][0] * self.seconds:
                _, what, action = once.pop(0)
                self.note(f"{what}: start")
                action()
                self.note(f"{what}: done")
            if not once and time.monotonic() - started >= self.seconds:
                over.set()
                return

    # ---- the run --------------------------------------------------------------------

    def run(self) -> SoakRow:
        errors: list[BaseException] = []

        def guarded(target: Callable[[], None]) -> Callable[[], None]:
            def run() -> None:
                try:
                    target()
                except BaseException as exc:  # reported by the test, not lost in a thread
                    errors.append(exc)
                    self.stop.set()

            return run

        over = threading.Event()
        threads = [
            threading.Thread(target=guarded(self.clients), name="soak-clients", daemon=True),
            threading.Thread(
                target=guarded(lambda: self.chaos(over)), name="soak-chaos", daemon=True
            ),
        ]
        for thread in threads:
            thread.start()
        # the schedule's length, plus the time its faults take (a node restart, say)
        wait_until(
            lambda: over.is_set() or errors,
            timeout=self.seconds + 600,
            interval=0.5,
            message="the soak's schedule to end",
        )
        self.stop.set()
        for thread in threads:
            thread.join(120)
        if errors:
            raise errors[0]
        ended = time.monotonic()
        self.flush_cancels()
        drain = self.wait_all_final(since=ended)
        self.probe_every_worker()
        return self.account(drain)

    def flush_cancels(self) -> None:
        """The cancels still due once submissions stop; and, as a client that lost an
        answer would (it finds its job by label), a cancel for each job meant to be
        cancelled while scheduled whose submission was stored but never answered: left
        alone it would wait out its 600 s delay."""
        unanswered = self.platform.sql(
            "SELECT id::text FROM jobs_job WHERE labels->>'run' = %s"
            " AND labels->>'kind' = 'cancel-scheduled' AND state = 'scheduled'",
            self.label,
        )
        with self.lock:
            lost = [job_id for (job_id,) in unanswered if job_id not in self.accepted]
            self.to_cancel.extend((0.0, job_id) for job_id in lost)

        def answered() -> bool:
            self.cancel_due(float("inf"))
            return not self.to_cancel

        wait_until(
            answered,
            timeout=60,
            interval=0.5,
            message="the last cancels to be answered",
        )

    def stored(self) -> dict[str, str]:
        return dict(
            self.platform.sql(
                "SELECT id::text, state FROM jobs_job WHERE labels->>'run' = %s", self.label
            )
        )

    def wait_all_final(self, *, since: float) -> float:
        """Seconds from ``since`` until every stored job of the run is final."""
        try:
            wait_until(
                lambda: all(state in FINAL for state in self.stored().values()),
                timeout=max(DRAIN_TIMEOUT_SECONDS, self.seconds),
                interval=0.5,
                message="every accepted job to reach a final state",
            )
        except TimeoutError:
            states: dict[str, int] = {}
            stored = self.stored()
            for state in stored.values():
                states[state] = states.get(state, 0) + 1
            stuck = {
                job_id: (state, self.accepted.get(job_id, "never answered"))
                for job_id, state in stored.items()
                if state not in FINAL
            }
            raise AssertionError(
                f"soak {self.label}: {states} of {len(self.accepted)} accepted; not final "
                f"(state, kind): {stuck}\n"
                f"{self.events}\n{self.platform.logs()}"
            ) from None
        return time.monotonic() - since

    def probe_every_worker(self) -> None:
        """A job on each worker's own queue must run there: no worker is left not
        consuming after the faults."""
        probes = {}
        for worker in WORKERS:
            job = self.platform.submit(
                {"type": "demo.noop", "queue": probe_queue(worker), "labels": {"probe": self.label}}
            )
            probes[worker] = job["id"]
        for worker, job_id in probes.items():
            try:
                done = self.platform.wait_final(job_id, timeout=120)
            except AssertionError as exc:
                raise AssertionError(f"{worker} is not consuming: {exc}") from None
            assert done["state"] == "succeeded", done
            ran_on = self.platform.sql(
                "SELECT worker FROM jobs_jobattempt WHERE job_id = %s", job_id
            )
            assert [w.split("@")[0] for (w,) in ran_on] == [worker], ran_on

    def effects(self) -> dict[str, dict[int, int]]:
        """The side effects recorded: job id -> attempt number -> how many runs did it."""
        client = redis.Redis.from_url(services.REDIS_URL)
        members: set[Any] = client.smembers(self.effects_key)
        found: dict[str, dict[int, int]] = {}
        for member in members:
            job_id, number, _ = bytes(member).decode().split(":")
            done = found.setdefault(job_id, {})
            done[int(number)] = done.get(int(number), 0) + 1
        return found

    def account(self, drain_seconds: float) -> SoakRow:
        """Check every promise of the run; its table row."""
        assert not self.unexpected, f"answers other than 201 and 503: {self.unexpected[:5]}"
        rows = self.platform.sql(
            """
            SELECT j.id::text, j.state, j.error_type, j.labels->>'kind',
                   coalesce(array_agg(a.number ORDER BY a.number)
                            FILTER (WHERE a.id IS NOT NULL), '{}'),
                   coalesce(array_agg(a.outcome ORDER BY a.number)
                            FILTER (WHERE a.id IS NOT NULL), '{}')
            FROM jobs_job j LEFT JOIN jobs_jobattempt a ON a.job_id = j.id
            WHERE j.labels->>'run' = %s
            GROUP BY j.id
            """,
            self.label,
        )
        jobs = {r[0]: r for r in rows}
        missing = set(self.accepted) - set(jobs)
        assert not missing, f"{len(missing)} accepted jobs are not stored: {sorted(missing)[:5]}"
        extra = set(jobs) - set(self.accepted)
        assert len(extra) <= self.unanswered, f"stored jobs never accepted: {sorted(extra)[:5]}"
        effects = self.effects()
        wrong: list[str] = []
        doubles: list[str] = []
        for job_id, state, error_type, kind, numbers, outcomes in rows:
            attempts = dict(zip(numbers, outcomes, strict=True))
            terminal = [o for o in outcomes if o in TERMINAL_OUTCOMES]
            if len(terminal) > 1:
                wrong.append(f"{job_id} ({kind}) finished twice: {attempts}")
            expected = self.expected_states(job_id, kind)
            if state not in expected:
                wrong.append(f"{job_id} ({kind}) is {state} ({error_type}), not {expected}")
            done = effects.get(job_id, {})
            if kind in ("effect", "flaky"):
                wrong.extend(self.check_effects(job_id, state, attempts, done))
                # one attempt number run twice: its first claim lost in a PostgreSQL
                # crash (docs/reliability.md#the-soak)
                self.unrecorded_reruns.extend(
                    f"{job_id}: attempt {n} ran {c} times; its history {attempts}"
                    for n, c in done.items()
                    if c > 1
                )
                if len(done) > 1:
                    doubles.append(f"{job_id}: side effects in attempts {done}, {attempts}")
            elif done:
                wrong.append(f"{job_id} ({kind}) has side effects {done}")
        assert not wrong, f"{len(wrong)} jobs went wrong:\n" + "\n".join(wrong[:20])
        self.wait_broker_empty()
        states = [r[1] for r in rows]
        return SoakRow(
            broker=self.platform.broker.kind,
            seconds=self.seconds,
            accepted=len(jobs),
            refused=self.refused,
            succeeded=states.count("succeeded"),
            failed_as_intended=states.count("failed"),
            cancelled=states.count("cancelled"),
            reruns=sum(o in CUT_SHORT for r in rows for o in r[5]),
            double_effects=len(doubles),
            pool_kills=self.pool_kills,
            worker_crashes=len(self.crash_lines()),
            drain_seconds=drain_seconds,
        )

    def crash_lines(self) -> list[str]:
        """Why workers stopped on their own (not killed by the soak), one line each."""
        lines: list[str] = []
        for name in WORKERS:
            proc = self.platform.procs[name]
            exits = proc.restarts - (self.worker_kills if name == WORKERS[-1] else 0)
            said = crashes(proc)
            lines.extend(said)
            lines.extend([f"{name} exited without saying why"] * max(exits - len(said), 0))
        return lines

    def expected_states(self, job_id: str, kind: str) -> set[str]:
        if kind in ("effect", "flaky"):
            return {"succeeded"}
        if kind == "doomed":
            return {"failed"}
        if kind == "cancel-scheduled" or job_id in self.cancel_requested:
            # a running job may finish between the cancel's answer and its handler's check
            return {"cancelled"} if kind == "cancel-scheduled" else {"cancelled", "succeeded"}
        return {"succeeded"}  # its cancel came too late

    @staticmethod
    def check_effects(
        job_id: str, state: str, attempts: dict[int, str], done: dict[int, int]
    ) -> list[str]:
        """The side effects of a job that succeeded: one by the attempt that succeeded, and
        others only by attempts recorded as cut short (killed after the side effect and
        before recording their outcome)."""
        wrong = []
        won = [n for n, outcome in attempts.items() if outcome == "succeeded"]
        if state == "succeeded" and not (won and won[0] in done):
            wrong.append(f"{job_id}: succeeded without its side effect: {done}, {attempts}")
        for number in done:
            if number not in won and attempts.get(number) not in CUT_SHORT:
                wrong.append(
                    f"{job_id}: side effect of attempt {number} unexplained by its history "
                    f"{attempts}"
                )
        return wrong

    def wait_broker_empty(self) -> None:
        try:
            wait_until(
                lambda: not self.faults.broker_backlog(),
                timeout=120,
                interval=0.5,
                message="the broker's queues to be empty",
            )
        except TimeoutError:
            raise AssertionError(f"messages left behind: {self.faults.broker_backlog()}") from None


def redis_backlog(broker: Broker) -> dict[str, int]:
    """Messages a Redis broker still holds, by key: its queues' lists (a list per priority
    step) and the hash of unacked messages."""
    client = redis.Redis.from_url(broker.url)
    prefix = broker.env["CONVEYOR_BROKER_KEY_PREFIX"]
    held: dict[str, int] = {}
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        kind = client.type(key)
        size = client.llen(key) if kind == b"list" else client.hlen(key) if kind == b"hash" else 0
        if size:
            held[key.decode(errors="replace")] = int(size)
    return held


def rabbitmq_backlog(node: OwnRabbitMQ) -> dict[str, int]:
    """Messages a RabbitMQ node still holds, by queue (ready and unacknowledged)."""
    text = node.ctl("list_queues", "--no-table-headers", "name", "messages")
    held: dict[str, int] = {}
    for line in text.splitlines():
        name, _, count = line.rpartition("\t")
        if name and int(count):
            held[name] = int(count)
    return held
