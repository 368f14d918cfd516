"""``GET /v1/jobs/{id}?wait=N``: answer as soon as the job is final, or after N seconds.

On PostgreSQL the waiting request LISTENs on the job's channel and sleeps until the
transaction that finishes the job NOTIFYs it (``notify_final``, called by every final
transition in ``lifecycle`` and ``services``; PostgreSQL delivers it at commit). Woken,
it reads the job once to answer; without a notification it re-reads the state (one
primary-key lookup) every few seconds as a backstop. Elsewhere (SQLite, or inside a
transaction, where LISTEN takes effect only at commit) it polls that lookup at a growing
interval: 50 ms doubling to 1 s.

A waiting request holds one gunicorn thread and its database connection for up to N
seconds (see docs/api.md for the capacity this takes). So a process holds at most
``CONVEYOR_LONG_POLL_MAX_PER_PROCESS`` waits at once (by default its threads - 1): one
more is answered at once with the job as it is, its wait shortened, and one thread stays
free for the liveness and readiness probes and every other request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.conf import settings

from conveyor.clients.models import ApiClient
from conveyor.core import database
from conveyor.core.metrics import long_poll_shortened
from conveyor.jobs.models import Job
from conveyor.jobs.selectors import job_get
from conveyor.jobs.states import FINAL_STATES

# Set to "true" on an answer whose wait was shortened (the process held its limit).
SHORTENED_HEADER = "Conveyor-Wait-Shortened"
# Re-read the state this often even without a notification (a missed one costs this).
BACKSTOP_SECONDS = 5.0
POLL_FIRST_SECONDS = 0.05
POLL_MAX_SECONDS = 1.0


def channel_of(job_id: UUID | str) -> str:
    """The job's notification channel: ``job_`` and its id's 32 hex digits (≤ 63 bytes)."""
    return f"job_{UUID(str(job_id)).hex}"


def notify_final(job_id: UUID | str) -> None:
    """Wake the requests long-polling this job (at commit of the current transaction)."""
    connection = database.connection()
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, '')", [channel_of(job_id)])


class WaitSlots:
    """The long-polls this process holds at once, and how many it may."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held = 0
        self._request_threads: int | None = None

    def serve_with(self, *, request_threads: int) -> None:
        """This process answers requests on ``request_threads`` threads (gunicorn's
        ``post_worker_init`` hook says so, ``config/gunicorn.py``)."""
        self._request_threads = request_threads

    @property
    def limit(self) -> int | None:
        """CONVEYOR_LONG_POLL_MAX_PER_PROCESS, else the request threads - 1; None (no
        limit) outside gunicorn."""
        configured: int | None = settings.CONVEYOR_LONG_POLL_MAX_PER_PROCESS
        if configured is not None:
            return configured
        if self._request_threads is None:
            return None
        return max(self._request_threads - 1, 0)

    @contextmanager
    def slot(self) -> Iterator[bool]:
        """A slot for one wait, held while the block runs: False if all are taken."""
        with self._lock:
            limit = self.limit
            taken = limit is None or self._held < limit
            if taken:
                self._held += 1
        try:
            yield taken
        finally:
            if taken:
                with self._lock:
                    self._held -= 1


wait_slots = WaitSlots()


@dataclass(frozen=True)
class Waited:
    job: Job
    #: True when the process held its limit of waits: the job was answered as it was.
    shortened: bool = False


def _state(job_id: UUID) -> str | None:
    return Job.objects.filter(pk=job_id).values_list("state", flat=True).first()


def job_wait(*, client: ApiClient, job_id: UUID | str, timeout: timedelta) -> Waited:
    """The job once final, or as it is after ``timeout``, or at once when this process
    already holds its limit of waits (shortened); 404 if not the client's."""
    job = job_get(client=client, job_id=job_id)
    seconds = timeout.total_seconds()
    if job.is_final or seconds <= 0:
        return Waited(job)
    with wait_slots.slot() as taken:
        if not taken:
            long_poll_shortened()
            return Waited(job, shortened=True)
        deadline = time.monotonic() + seconds
        connection = database.connection()
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            _wait_notified(job.pk, deadline)
        else:
            _wait_polling(job.pk, deadline)
    return Waited(job_get(client=client, job_id=job_id))


def _wait_polling(job_id: UUID, deadline: float) -> None:
    interval = POLL_FIRST_SECONDS
    while _state(job_id) not in FINAL_STATES:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        time.sleep(min(interval, remaining))
        interval = min(interval * 2, POLL_MAX_SECONDS)


def _wait_notified(job_id: UUID, deadline: float) -> None:
    channel = channel_of(job_id)
    database.connection().ensure_connection()
    with database.connection().cursor() as cursor:
        cursor.execute(f'LISTEN "{channel}"')
    try:
        # Listening before this read: a job finishing in between still wakes the wait.
        while _state(job_id) not in FINAL_STATES:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            pg = database.connection().connection
            assert pg is not None
            # Read to the end: the generator holds the connection's lock until it ends.
            channels = [
                note.channel
                for note in pg.notifies(timeout=min(remaining, BACKSTOP_SECONDS), stop_after=1)
            ]
            if channel in channels:
                # Only a final transition notifies, and a final job stays final: the
                # caller's read of the whole job is the only one still needed. (Another
                # channel's is stale: kept by the connection from an earlier wait that
                # ended before its notification came; the state is read again.)
                return
    finally:
        with database.connection().cursor() as cursor:
            cursor.execute(f'UNLISTEN "{channel}"')
