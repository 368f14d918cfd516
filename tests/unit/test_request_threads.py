"""The API's request threads (core/request_threads.py): a thread lent to one request at
a time, kept between requests up to a bound."""

from __future__ import annotations

import asyncio
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


def test_a_thread_handed_back_early_is_not_given_back_again_at_the_end() -> None:
    """A long-poll hands its request's thread back while it waits; another request takes
    it; when the long-poll's request ends, that thread stays with the other request."""
    from asgiref.sync import sync_to_async

    threads = RequestThreads(max_idle=4)

    async def scenario() -> None:
        a_waits = asyncio.Event()
        b_holds = asyncio.Event()
        a_done = asyncio.Event()
        seen: dict[str, int] = {}

        async def long_poll() -> None:
            async with threads.lent():
                seen["a"] = await sync_to_async(threading.get_ident)()
                threads.hand_back()  # waiting now
                a_waits.set()
                await b_holds.wait()
                seen["a-answer"] = await sync_to_async(threading.get_ident)()
            a_done.set()

        async def other() -> None:
            await a_waits.wait()
            async with threads.lent():
                seen["b"] = await sync_to_async(threading.get_ident)()
                b_holds.set()
                await a_done.wait()
                # the long-poll's request has ended: B's thread is lent to no one else
                assert threads.idle() == 0
                async with threads.lent():
                    seen["c"] = await sync_to_async(threading.get_ident)()
                seen["b-again"] = await sync_to_async(threading.get_ident)()

        await asyncio.gather(long_poll(), other())
        assert seen["b"] == seen["a"]  # B took the thread A handed back
        assert seen["a-answer"] != seen["a"]  # A answered on a thread of its own
        assert seen["c"] != seen["b"]  # C never shared B's thread
        assert seen["b-again"] == seen["b"]

    asyncio.run(scenario())


def test_a_long_polls_answer_runs_on_a_kept_thread_given_back_at_the_end() -> None:
    """After its wait, a long-poll takes a thread from the pool again for its answer
    (``take_again``) rather than starting one, and gives it back when it ends."""
    from asgiref.sync import sync_to_async

    threads = RequestThreads(max_idle=4)
    kept = threads.take()
    kept_ident = _thread_of(kept)
    threads.give_back(kept)

    async def long_poll() -> tuple[int, int]:
        async with threads.lent():  # takes ``kept``
            first = await sync_to_async(threading.get_ident)()
            threads.hand_back()  # waiting now: ``kept`` is idle again
            assert threads.idle() == 1
            threads.take_again()
            assert threads.idle() == 0  # ``kept`` lent once more
            answer = await sync_to_async(threading.get_ident)()
        return first, answer

    first, answer = asyncio.run(long_poll())
    assert first == answer == kept_ident
    assert threads.idle() == 1
    assert threads.take() is kept
