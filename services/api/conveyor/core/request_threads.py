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
from concurrent.futures import ThreadPoolExecutor
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

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        """Return a taken executor once nothing of its request runs on it any more. One
        given back already is left as it is; one this pool never lent is shut down."""
        with self._lock:
            if executor in self._idle:
                return
            taken = executor in self._busy
            self._busy.discard(executor)
            if taken and len(self._idle) < self.max_idle:
                self._idle.append(executor)
                return
        executor.shutdown(wait=False)

    @asynccontextmanager
    async def lent(self) -> AsyncIterator[None]:
        """Run the block's thread-sensitive sync calls (a request's) on a thread taken
        from the pool, given back at the end unless the block gave it back itself
        (``hand_back``): by then another request may hold it."""
        executor = self.take()
        context = ThreadSensitiveContext(executor=executor)
        still_ours = True
        try:
            async with context:
                try:
                    yield
                finally:
                    still_ours = SyncToAsync.context_to_thread_executor.get(context) is executor
        finally:
            if still_ours:
                self.give_back(executor)

    def hand_back(self) -> None:
        """Give the current request's thread back before the request ends (a long-poll,
        while it waits): nothing of the request may run on it any more; the request's
        next sync call runs on a thread of its own, ended with the request. Under
        ``async_to_sync`` (a sync caller's thread: the tests) nothing is lent: no-op."""
        if getattr(AsyncToSync.executors, "current", None) is not None:
            return
        context = SyncToAsync.thread_sensitive_context.get(None)
        if context is None:
            return
        executor = SyncToAsync.context_to_thread_executor.pop(context, None)
        if isinstance(executor, ThreadPoolExecutor):
            self.give_back(executor)
        elif executor is not None:
            executor.shutdown(wait=False)

    def idle(self) -> int:
        with self._lock:
            return len(self._idle)


#: The process's pool: the ASGI handler (config/asgi.py) lends from it; a long-poll
#: gives its request's executor back early (jobs/longpoll.py).
request_threads = RequestThreads()
