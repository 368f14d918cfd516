"""The Python client (clients/python, conveyor_client) against a real platform: submit,
wait, page, typed errors, asyncio, and retries after a 429 or a 503."""

from __future__ import annotations

import asyncio
import itertools
import uuid

import pytest

from conveyor_client import (
    AsyncConveyor,
    Conveyor,
    InvalidInput,
    NotFound,
    RateLimited,
    Retry,
    WaitTimeout,
)
from tests.e2e.platform import Platform
from tests.e2e.throttle import start_throttle


def test_submit_and_wait_returns_the_final_job(platform: Platform) -> None:
    with Conveyor(platform.base_url, platform.keys["alice"]) as conveyor:
        # when
        job = conveyor.submit_and_wait("demo.sleep", {"seconds": 0.2, "steps": 2}, timeout=60)

    # then
    assert job.state == "succeeded"
    assert job.result == {"slept_seconds": 0.2}
    assert [a.outcome for a in job.attempt_history] == ["succeeded"]


def test_pages_follow_next_until_the_last_job(platform: Platform) -> None:
    run = uuid.uuid4().hex[:12]
    with Conveyor(platform.base_url, platform.keys["alice"]) as conveyor:
        # given
        submitted = {
            str(conveyor.submit("demo.noop", labels={"run": run}, delay_seconds=3600).id)
            for _ in range(5)
        }

        # when
        pages = list(conveyor.pages(labels={"run": run}, limit=2))
        jobs = list(conveyor.jobs(labels={"run": run}, limit=2))

    # then
    assert [len(page.results) for page in pages] == [2, 2, 1]
    assert {str(job.id) for job in jobs} == submitted


def test_errors_are_typed_and_carry_the_problem(platform: Platform) -> None:
    with Conveyor(platform.base_url, platform.keys["alice"]) as conveyor:
        # when
        with pytest.raises(NotFound) as missing:
            conveyor.get(uuid.UUID(int=0))
        with pytest.raises(InvalidInput) as invalid:
            conveyor.submit("http.request", {"method": "POST"})

    # then
    assert missing.value.status == 404
    assert missing.value.type.endswith("/not-found")
    assert invalid.value.status == 400
    assert [(e.field, e.code) for e in invalid.value.errors] == [("params.url", "missing")]


def test_wait_gives_up_with_the_job_still_running(platform: Platform) -> None:
    with Conveyor(platform.base_url, platform.keys["alice"], long_poll=1) as conveyor:
        job = conveyor.submit("demo.noop", delay_seconds=3600)

        with pytest.raises(WaitTimeout) as timeout:
            conveyor.wait(job, timeout=1.5)

    assert timeout.value.state == "scheduled"


def test_the_asyncio_client_does_the_same(platform: Platform) -> None:
    run = uuid.uuid4().hex[:12]

    async def scenario() -> tuple[str, int, int]:
        async with AsyncConveyor(platform.base_url, platform.keys["alice"]) as conveyor:
            job = await conveyor.submit_and_wait("demo.noop", timeout=60, labels={"run": run})
            await conveyor.submit("demo.noop", labels={"run": run}, delay_seconds=3600)
            listed = [j async for j in conveyor.jobs(labels={"run": run}, limit=1)]
            try:
                await conveyor.cancel(uuid.UUID(int=0))
            except NotFound as exc:
                return str(job.state), len(listed), exc.status
            raise AssertionError("a cancel of no job answered")

    assert asyncio.run(scenario()) == ("succeeded", 2, 404)


@pytest.mark.parametrize("status", [429, 503])
def test_a_429_or_503_is_retried_after_retry_after(platform: Platform, status: int) -> None:
    # given: two refusals with Retry-After: 1 in front of the real API
    throttle = start_throttle(platform.base_url, refusals=2, status=status)
    try:
        with Conveyor(throttle.url, platform.keys["alice"], retry=Retry(backoff=0.01)) as conveyor:
            # when
            job = conveyor.submit("demo.noop", delay_seconds=3600)

        # then: the third attempt went through, each after the second Retry-After asked
        assert throttle.seen == ["POST /v1/jobs"] * 3
        gaps = [b - a for a, b in itertools.pairwise(throttle.times)]
        assert min(gaps) >= 0.95, gaps
        assert platform.get(str(job.id))["state"] == "scheduled"
    finally:
        throttle.stop()


def test_retries_stop_after_the_attempts_given(platform: Platform) -> None:
    throttle = start_throttle(platform.base_url, refusals=5)
    throttle.retry_after = "0"
    retry = Retry(attempts=2, backoff=0.01)
    try:
        with (
            Conveyor(throttle.url, platform.keys["alice"], retry=retry) as conveyor,
            pytest.raises(RateLimited) as refused,
        ):
            conveyor.submit("demo.noop")

        assert refused.value.status == 429
        assert refused.value.title == "Too many requests"
        assert len(throttle.seen) == 2
    finally:
        throttle.stop()
