"""A long-poll answers on one of the process's kept request threads, not on a thread
started for its answer (jobs/longpoll.py, core/request_threads.py)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import timedelta

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from conveyor.core.request_threads import request_threads
from conveyor.jobs import longpoll


async def _waited(job_id: uuid.UUID, timeout: timedelta, *, released: str | None = None) -> None:
    # what the real wait does with the request's thread, without the wait itself
    request_threads.hand_back()


def test_the_answer_after_a_wait_runs_on_a_kept_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a view that asks to wait, then answers with the name of its thread
    monkeypatch.setattr(longpoll, "wait_final", _waited)

    def view(request: HttpRequest) -> HttpResponse:
        return longpoll.ask_to_wait(
            HttpResponse(threading.current_thread().name),
            job_id=uuid.uuid4(),
            timeout=timedelta(seconds=1),
            answer=lambda: HttpResponse(threading.current_thread().name),
        )

    serve = longpoll.long_polling(view)

    async def request() -> tuple[str, str]:
        async with request_threads.lent():
            asked = threading.current_thread().name
            response = await serve(RequestFactory().get("/v1/jobs/x?wait=1"))
            assert isinstance(response, HttpResponse)
            return asked, response.content.decode()

    # when
    loop_thread, answered_on = asyncio.run(request())

    # then: the request's threads are the pool's (named "request…"), the answer's too
    assert loop_thread != answered_on
    assert answered_on.startswith("request"), answered_on
