"""``GET /v1/jobs/{id}?wait=N``: answer as soon as the job is final, or after N seconds.

A wait holds no request thread and no database connection. The API is served by an
event loop (ASGI, ``config/asgi.py``): the job's view answers a job that is final, or asked
without ``wait``, as any view does; otherwise it asks its caller, ``long_polling``'s async
view, to wait (``ask_to_wait``). That view awaits ``wait_final`` and then runs the job's
view once more for the answer. This holds because the middleware runs on the loop too
(every one is async-capable, core/middleware.py; one sync-only middleware would run the
chain, and so the wait, in a thread), and because the wait lets go of the request's own
asgiref thread (``request_threads.hand_back``). The SQLite or in-transaction fallback,
which polls, keeps that thread.

On PostgreSQL one ``Listener`` per API process, a thread, LISTENs on one channel
(``CHANNEL``) on a connection of its own; every final transition (``notify_final``, called
by ``lifecycle``, ``services`` and the worker's outcome statement) NOTIFYs it with the
job's id, which PostgreSQL delivers at commit. The worker's outcome statement sends the
job's final row instead (JSON, when it fits in ``ROW_PAYLOAD_LIMIT`` bytes): a wait that
has a view of the job to answer with (``POST /v1/jobs?wait``) then answers from it on
the event loop, with no read and no hop to a thread. The listener wakes that job's waiters of
its process, whatever their number. A waiter reads the state once it is registered and
again at each wake; without a notification it re-reads every ``BACKSTOP_SECONDS``, and
every waiter re-reads when the listener (re)connects, since notifications sent while it
was away are lost. Elsewhere (SQLite, or inside a transaction, where a NOTIFY is delivered
only at commit) a wait polls the state at a growing interval: 50 ms doubling to 1 s.

A process holds at most ``CONVEYOR_LONG_POLL_MAX_PER_PROCESS`` waits at once (1,000 by
default: a bound on sockets and memory, no longer on threads); one more is answered at
once with the job as it is, with the header ``Conveyor-Wait-Shortened: true``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import JSONField
from django.http import HttpRequest, HttpResponseBase

from conveyor.core import database
from conveyor.core.metrics import long_poll_shortened, long_polled
from conveyor.core.request_threads import request_threads
from conveyor.jobs.models import Job
from conveyor.jobs.states import FINAL_STATES

logger = logging.getLogger(__name__)

# Set to "true" on an answer whose wait was shortened (the process held its limit).
SHORTENED_HEADER = "Conveyor-Wait-Shortened"
# The channel every final transition notifies, with the job's id as the payload, or its
# final row as JSON (the worker's outcome statement) when that fits in this many bytes
# (PostgreSQL's limit for a payload is 8,000).
CHANNEL = "conveyor_job_final"
ROW_PAYLOAD_LIMIT = 7900
# Re-read the state this often even without a notification (a missed one costs this).
BACKSTOP_SECONDS = 5.0
POLL_FIRST_SECONDS = 0.05
POLL_MAX_SECONDS = 1.0
# The listener reconnects after this long when its connection fails.
RECONNECT_SECONDS = 1.0
# How long the listener waits for notifications before it looks whether it must stop.
LISTEN_SLICE_SECONDS = 1.0


def notify_final(job_id: UUID | str) -> None:
    """Wake the requests long-polling this job (at commit of the current transaction)."""
    connection = database.connection()
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, str(job_id)])


class WaitSlots:
    """The long-polls this process holds at once, and how many it may."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held = 0

    @property
    def limit(self) -> int:
        """CONVEYOR_LONG_POLL_MAX_PER_PROCESS."""
        return int(settings.CONVEYOR_LONG_POLL_MAX_PER_PROCESS)

    @contextmanager
    def slot(self) -> Iterator[bool]:
        """A slot for one wait, held while the block runs: False if all are taken."""
        with self._lock:
            taken = self._held < self.limit
            if taken:
                self._held += 1
        try:
            yield taken
        finally:
            if taken:
                with self._lock:
                    self._held -= 1


wait_slots = WaitSlots()


class Waiter:
    """One waiting request: woken on its event loop from the listener's thread."""

    __slots__ = ("event", "loop", "notified", "row")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.event = asyncio.Event()
        #: True once the job's notification came: it is final, no read is needed.
        self.notified = False
        #: The final row, when the notification carried it.
        self.row: dict[str, Any] | None = None

    def wake(self, *, notified: bool, row: dict[str, Any] | None = None) -> None:
        if notified:
            self.row = row
            self.notified = True
        with suppress(RuntimeError):  # its loop has closed: the request is gone
            self.loop.call_soon_threadsafe(self.event.set)


class Listener:
    """One LISTEN connection for a process, in a daemon thread, fanning each
    notification out to the waiters of its job."""

    def __init__(self, alias: str) -> None:
        self._alias = alias
        self._lock = threading.Lock()
        self._waiters: dict[UUID, set[Waiter]] = {}
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        #: Set while the connection LISTENs.
        self.listening = threading.Event()

    def start(self) -> None:
        """Start the thread unless it runs (its first wait starts it)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._run, name="conveyor-longpoll-listener", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread and close its connection (tests; a process just exits)."""
        self._stopping.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    @contextmanager
    def waiter(self, job_id: UUID) -> Iterator[Waiter]:
        """A waiter for ``job_id`` on the running loop, registered while the block runs."""
        waiter = Waiter(asyncio.get_running_loop())
        self.add(job_id, waiter)
        try:
            yield waiter
        finally:
            self.discard(job_id, waiter)

    def add(self, job_id: UUID, waiter: Waiter) -> None:
        """Register ``waiter`` for ``job_id`` (from any thread) until ``discard``."""
        with self._lock:
            self._waiters.setdefault(job_id, set()).add(waiter)

    def discard(self, job_id: UUID, waiter: Waiter) -> None:
        with self._lock:
            waiting = self._waiters.get(job_id)
            if waiting is not None:
                waiting.discard(waiter)
                if not waiting:
                    del self._waiters[job_id]

    @property
    def waiting(self) -> int:
        with self._lock:
            return sum(len(w) for w in self._waiters.values())

    def _wake(
        self, job_id: UUID | None, *, notified: bool, row: dict[str, Any] | None = None
    ) -> None:
        with self._lock:
            if job_id is None:
                woken = [w for waiting in self._waiters.values() for w in waiting]
            else:
                woken = list(self._waiters.get(job_id, ()))
        for waiter in woken:
            waiter.wake(notified=notified, row=row)

    def _connect(self) -> psycopg.Connection[Any]:
        params = connections[self._alias].get_connection_params()
        return psycopg.Connection.connect(**{**params, "autocommit": True})

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                with self._connect() as connection:
                    connection.execute(f'LISTEN "{CHANNEL}"')
                    self.listening.set()
                    # What was notified while no connection listened is lost: re-read.
                    self._wake(None, notified=False)
                    while not self._stopping.is_set():
                        for note in connection.notifies(timeout=LISTEN_SLICE_SECONDS):
                            job_id, row = _parse(note.payload)
                            if job_id is not None:  # else not one of ours: ignored
                                self._wake(job_id, notified=True, row=row)
            except Exception:
                logger.warning("long-poll listener lost its connection", exc_info=True)
            finally:
                self.listening.clear()
            self._stopping.wait(RECONNECT_SECONDS)


def _parse(payload: str) -> tuple[UUID | None, dict[str, Any] | None]:
    """A notification's job id, and its final row when it carries one."""
    if not payload.startswith("{"):
        try:
            return UUID(payload), None
        except ValueError:
            return None, None
    try:
        row = json.loads(payload)
        return UUID(row["id"]), row
    except (ValueError, TypeError, KeyError):
        return None, None


def job_from_row(row: dict[str, Any]) -> Job | None:
    """The job of a final row as the worker's notification carries it (PostgreSQL's
    ``row_to_json``: columns by name, JSON columns as JSON, instants as ISO 8601 text),
    made as a read would make it; None if a column is missing or does not convert."""
    fields = Job._meta.concrete_fields
    try:
        values = [_value(field, row[str(field.column)]) for field in fields]
    except (KeyError, ValidationError):
        return None
    return Job.from_db(database.alias(), [field.attname for field in fields], values)


def _value(field: Any, value: Any) -> Any:
    if value is None or isinstance(field, JSONField):
        return value  # a JSON column came as the JSON it holds
    return field.to_python(value)


_listeners: dict[str, Listener] = {}
_listeners_lock = threading.Lock()


def listener() -> Listener:
    """This process's listener on conveyor's database, started."""
    alias = database.alias()
    with _listeners_lock:
        found = _listeners.get(alias)
        if found is None:
            found = _listeners[alias] = Listener(alias)
    found.start()
    return found


def stop_listeners() -> None:
    """Stop this process's listeners (tests: a listener keeps its database open)."""
    with _listeners_lock:
        stopping = list(_listeners.values())
    for each in stopping:
        each.stop()


def _release() -> bool:
    """Give this thread's connection back (to the pool, or close it) unless a transaction
    holds it, so that a waiting request holds no connection. Whether the listener can
    wake the wait: on PostgreSQL, outside a transaction (a NOTIFY comes at commit)."""
    connection = database.connection()
    if connection.in_atomic_block:
        return False
    connection.close()
    return connection.vendor == "postgresql"


def _final(job_id: UUID) -> bool:
    """Whether the job is final (one primary-key lookup); the connection given back."""
    state = Job.objects.filter(pk=job_id).values_list("state", flat=True).first()
    _release()
    return state in FINAL_STATES


async def wait_final(
    job_id: UUID, timeout: timedelta, *, released: str | None = None
) -> dict[str, Any] | None:
    """Return once the job is final, or after ``timeout``; holds no thread meanwhile.
    The caller has just read the job, not final. ``released``: the request's thread
    already gave its connection back, to a database of that vendor (``view_hop``).
    Returns the job's final row when its notification carried it (``job_from_row``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout.total_seconds()
    listened = released == "postgresql" if released else await sync_to_async(_release)()
    if not listened:
        await _wait_polling(job_id, deadline)
        return None
    # The request's thread goes back to the pool while it waits (core/request_threads.py):
    # its connection is given back, nothing of the request remains on it.
    request_threads.hand_back()
    with listener().waiter(job_id) as waiter:
        return await waited(waiter, job_id, deadline, read_first=True)


async def waited(
    waiter: Waiter, job_id: UUID, deadline: float, *, read_first: bool
) -> dict[str, Any] | None:
    """Wait with ``waiter``, registered for ``job_id``, until the job is final or the
    loop's clock reaches ``deadline``: ``wait_final``'s loop. ``read_first``: read the
    state before the first wait; a waiter registered before its job was stored (a
    submission's) needs no read, as its job can end only after."""
    loop = asyncio.get_running_loop()
    # Each read on a thread of the loop's executor (a few per process, shared), which
    # gives its connection back at once: it needs nothing of the request's thread.
    final = sync_to_async(_final, thread_sensitive=False)
    while True:
        if read_first:
            # Cleared before the read: a wake that comes during it is kept. Read once
            # registered: a job that ends after this read is notified to the waiter.
            waiter.event.clear()
            if await final(job_id):
                return waiter.row
        read_first = True
        remaining = deadline - loop.time()
        if remaining <= 0:
            return None
        with suppress(TimeoutError):
            await asyncio.wait_for(waiter.event.wait(), min(remaining, BACKSTOP_SECONDS))
        if waiter.notified:
            # Only a final transition notifies, and a final job stays final.
            return waiter.row


async def _wait_polling(job_id: UUID, deadline: float) -> None:
    loop = asyncio.get_running_loop()
    final = sync_to_async(_final)
    interval = POLL_FIRST_SECONDS
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            return
        await asyncio.sleep(min(interval, remaining))
        interval = min(interval * 2, POLL_MAX_SECONDS)
        if await final(job_id):
            return


# ---- the async view around a view that may ask to wait -------------------------------

_WAIT_ATTRIBUTE = "conveyor_wait"


@dataclass(frozen=True)
class WaitOrder:
    job_id: UUID
    timeout: timedelta
    #: Makes the answer after the wait; None: the view, run again.
    answer: Callable[[], HttpResponseBase] | None = None
    #: Makes the answer from the job's final row, on the event loop (no database).
    answer_from: Callable[[Job], HttpResponseBase] | None = None


_Response = TypeVar("_Response", bound=HttpResponseBase)


def ask_to_wait(
    response: _Response,
    *,
    job_id: UUID,
    timeout: timedelta,
    answer: Callable[[], HttpResponseBase] | None = None,
    answer_from: Callable[[Job], HttpResponseBase] | None = None,
) -> _Response:
    """Mark ``response`` (a job not final yet): ``long_polling`` waits up to ``timeout``
    for the job, then answers with ``answer()``, or else the view's next response (a
    view that changes nothing, such as a GET, may simply run again). When the job's
    final row came with its notification, ``answer_from(job)`` answers instead, on the
    event loop: it must touch no database and render its response there."""
    setattr(response, _WAIT_ATTRIBUTE, WaitOrder(job_id, timeout, answer, answer_from))
    return response


def long_polling(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., Coroutine[Any, Any, HttpResponseBase]]:
    """An async view serving ``view`` (a sync one, run in asgiref's threads): when its
    response asks to wait (``ask_to_wait``), the wait holds no thread and the view runs
    again once the job is final or the wait is over."""
    # Here, not at the top: the worker imports this module (notify_final), and the view
    # hop brings the HTTP middleware with it.
    from conveyor.core.view_hop import RELEASED, finished, in_one_hop

    run = in_one_hop(view)

    async def serve(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = await run(request, *args, **kwargs)
        order: WaitOrder | None = getattr(response, _WAIT_ATTRIBUTE, None)
        if order is None:
            return response
        with wait_slots.slot() as taken:
            if not taken:
                long_poll_shortened()
                response[SHORTENED_HEADER] = "true"
                return response
            long_polled(request)
            row = await wait_final(
                order.job_id, order.timeout, released=getattr(request, RELEASED, None)
            )
        # The answer's sync code (or the response's close) on a kept thread, not on one
        # started for it.
        request_threads.take_again()
        if row is not None and order.answer_from is not None:
            final = job_from_row(row)
            if final is not None:
                # No read and no hop: the response is closed after it is sent (ApiHandler).
                return order.answer_from(final)
        if order.answer is not None:
            answer_now = order.answer
            return await sync_to_async(lambda: finished(request, answer_now()))()
        answer = await run(request, *args, **kwargs)
        setattr(answer, _WAIT_ATTRIBUTE, None)
        return answer

    # What Django's CSRF middleware and drf-spectacular read from the view.
    for name in ("csrf_exempt", "cls", "initkwargs", "view_class", "view_initkwargs"):
        if hasattr(view, name):
            setattr(serve, name, getattr(view, name))
    serve.__name__ = getattr(view, "__name__", "long_polling")
    serve.__doc__ = view.__doc__
    return serve
