"""The API's request threads (core/request_threads.py): a thread lent to one request at
a time, kept between requests up to a bound."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from conveyor.core.request_threads import RequestThreads


def _thread_of(executor: ThreadPoolExecutor) -> int:
    return executor.submit(threading.get_ident).result(timeout=10)


def test_a_thread_given_back_serves_the_next_request() -> None:
    threads = RequestThreads(max_idle=2)
    first = threads.take()
    ident = _thread_of(first)
    threads.give_back(first)
    second = threads.take()
    assert second is first
    assert _thread_of(second) == ident
    threads.give_back(second)


def test_requests_in_progress_never_share_a_thread() -> None:
    threads = RequestThreads(max_idle=2)
    taken = [threads.take() for _ in range(5)]
    assert len({_thread_of(executor) for executor in taken}) == 5
    for executor in taken:
        threads.give_back(executor)


def test_no_more_than_max_idle_are_kept() -> None:
    threads = RequestThreads(max_idle=2)
    taken = [threads.take() for _ in range(5)]
    for executor in taken:
        threads.give_back(executor)
    assert threads.idle() == 2
    # the others are shut down: they take no more work
    assert all(executor._shutdown for executor in taken[2:])  # type: ignore[attr-defined]


def test_giving_back_twice_keeps_one_copy() -> None:
    threads = RequestThreads(max_idle=4)
    executor = threads.take()
    threads.give_back(executor)
    threads.give_back(executor)
    assert threads.idle() == 1
    assert threads.take() is executor
    assert threads.take() is not executor


def test_an_executor_the_pool_did_not_lend_is_shut_down() -> None:
    threads = RequestThreads(max_idle=4)
    stranger = ThreadPoolExecutor(max_workers=1)
    threads.give_back(stranger)
    assert threads.idle() == 0
    assert stranger._shutdown  # type: ignore[attr-defined]
