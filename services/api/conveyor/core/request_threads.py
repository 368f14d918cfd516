"""The threads an API process runs its requests' sync code on, kept between requests.

Django's ASGI handler gives each request a one-thread executor of its own (asgiref's
``ThreadSensitiveContext``): the request's sync code (its view, Django's signals) runs
on one thread, in order. Made per request, that thread is started and joined on every
request, and whatever a library keeps per thread (Celery's result backend, for one) is
built again each time. Here the executors are kept: a request takes an idle one and
gives it back when it ends; a request never shares its thread with another while it
runs. What Django keeps per request (its database connections, the active language)
lives in asgiref's context-local storage, not on the thread, so nothing of one request
reaches the next.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import asynccontextmanager

from asgiref.sync import AsyncToSync, SyncToAsync, ThreadSensitiveContext

#: Idle executors kept per process; more are shut down as they come back (a burst of
#: requests starts threads for itself, and they end with it). Busy ones are not
#: counted: a process runs as many requests at once as it is given. About what runs at
#: once in steady use: the process's database pool (4) is the bound on busy views.
MAX_IDLE = 8


class RequestThreads:
    """A pool of one-thread executors, one per request in progress."""

    def __init__(self, max_idle: int = MAX_IDLE) -> None:
        self.max_idle = max_idle
        self._idle: list[ThreadPoolExecutor] = []
        self._busy: set[ThreadPoolExecutor] = set()
        self._lock = threading.Lock()

    def take(self) -> ThreadPoolExecutor:
        with self._lock:
            executor = self._idle.pop() if self._idle else None
            if executor is None:
                executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")
            self._busy.add(executor)
        return executor

    def give_back(self, executor: Executor) -> None:
        """Return a taken executor once nothing of its request runs on it any more. One
        given back already is left as it is; one this pool never lent is shut down."""
        with self._lock:
            if executor in self._idle:
                return
            if isinstance(executor, ThreadPoolExecutor) and executor in self._busy:
                self._busy.discard(executor)
                if len(self._idle) < self.max_idle:
                    self._idle.append(executor)
                    return
        executor.shutdown(wait=False)

    @asynccontextmanager
    async def lent(self) -> AsyncIterator[None]:
        """Run the block's thread-sensitive sync calls (a request's) on a thread taken
        from the pool; at the end, give back the one the request holds then: the same,
        or, after ``hand_back``, the one ``take_again`` lent (the first may by then be
        another request's)."""
        executor = self.take()
        context = ThreadSensitiveContext(executor=executor)
        held: Executor | None = executor
        try:
            async with context:
                try:
                    yield
                finally:
                    held = SyncToAsync.context_to_thread_executor.get(context)
        finally:
            if held is not None:
                self.give_back(held)

    def hand_back(self) -> None:
        """Give the current request's thread back before the request ends (a long-poll,
        while it waits): nothing of the request may run on it any more; its next sync
        call runs on the thread ``take_again`` lends it, or else on one started for it
        and ended with the request. Under
        ``async_to_sync`` (a sync caller's thread: the tests) nothing is lent: no-op."""
        if getattr(AsyncToSync.executors, "current", None) is not None:
            return
        context = SyncToAsync.thread_sensitive_context.get(None)
        if context is None:
            return
        executor = SyncToAsync.context_to_thread_executor.pop(context, None)
        if executor is not None:
            self.give_back(executor)

    def take_again(self) -> None:
        """After ``hand_back``: the request's next sync calls run on a thread taken from
        the pool (given back when the request ends) rather than on one started for it."""
        if getattr(AsyncToSync.executors, "current", None) is not None:
            return
        context = SyncToAsync.thread_sensitive_context.get(None)
        if context is None or context in SyncToAsync.context_to_thread_executor:
            return
        SyncToAsync.context_to_thread_executor[context] = self.take()

    def idle(self) -> int:
        with self._lock:
            return len(self._idle)


#: The process's pool: the ASGI handler (config/asgi.py) lends from it; a long-poll
#: gives its request's executor back early (jobs/longpoll.py).
request_threads = RequestThreads()
