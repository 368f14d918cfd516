"""RetryPolicy: exponential backoff with equal jitter, capped; which errors retry."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from conveyor.jobs.types import (
    MAX_ATTEMPTS_CEILING,
    JobCancelled,
    PermanentError,
    RetryableError,
    RetryPolicy,
)

POLICY = RetryPolicy(
    max_attempts=10, backoff=timedelta(seconds=2), factor=3.0, backoff_max=timedelta(seconds=100)
)


class Highest(random.Random):
    """The jitter at its top: the delay is the nominal one."""

    def uniform(self, a: float, b: float) -> float:
        return b


class Lowest(random.Random):
    """The jitter at its bottom: the delay is half the nominal one."""

    def uniform(self, a: float, b: float) -> float:
        return a


def seconds(delay: timedelta) -> float:
    return delay.total_seconds()


@pytest.mark.parametrize(
    ("attempt", "nominal"),
    [
        (1, 2),
        (2, 6),
        (3, 18),
        (4, 54),
        (5, 100),
        (9, 100),
    ],
)
def test_the_nominal_delay_grows_by_the_factor_up_to_the_cap(attempt: int, nominal: float) -> None:
    assert seconds(POLICY.delay(attempt, Highest())) == pytest.approx(nominal)
    assert seconds(POLICY.delay(attempt, Lowest())) == pytest.approx(nominal / 2)


@pytest.mark.parametrize("seed", range(5))
def test_the_jittered_delay_stays_between_half_and_all_of_the_nominal(seed: int) -> None:
    rng = random.Random(seed)
    for attempt in range(1, 12):
        nominal = min(2 * 3.0 ** (attempt - 1), 100)
        for _ in range(50):
            delay = seconds(POLICY.delay(attempt, rng))
            assert nominal / 2 <= delay <= nominal


def test_the_jitter_spreads_delays_out() -> None:
    rng = random.Random(42)

    delays = {seconds(POLICY.delay(3, rng)) for _ in range(20)}

    assert len(delays) == 20


def test_a_seeded_random_gives_the_same_delays() -> None:
    first = [POLICY.delay(n, random.Random(7)) for n in range(1, 6)]
    again = [POLICY.delay(n, random.Random(7)) for n in range(1, 6)]

    assert first == again


def test_the_last_possible_attempt_is_capped() -> None:
    delay = POLICY.delay(MAX_ATTEMPTS_CEILING, random.Random(1))

    assert 50 <= seconds(delay) <= 100


def test_attempt_zero_waits_like_the_first() -> None:
    assert POLICY.delay(0, Highest()) == POLICY.delay(1, Highest())


def test_factor_one_is_a_constant_backoff() -> None:
    policy = RetryPolicy(backoff=timedelta(seconds=5), factor=1.0)

    assert {seconds(policy.delay(n, Highest())) for n in range(1, 6)} == {5.0}


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"factor": 0.5}])
def test_nonsense_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_the_default_policy_retries_any_exception() -> None:
    policy = RetryPolicy()

    assert policy.retries(ValueError("x"))
    assert policy.retries(RetryableError("x"))
    assert not policy.retries(KeyboardInterrupt())


def test_retry_on_limits_what_retries() -> None:
    policy = RetryPolicy(retry_on=(RetryableError, TimeoutError))

    assert policy.retries(RetryableError("503"))
    assert policy.retries(TimeoutError())
    assert not policy.retries(ValueError("bad"))


@pytest.mark.parametrize("exc", [PermanentError("404"), JobCancelled()])
def test_permanent_errors_and_cancels_never_retry(exc: Exception) -> None:
    # even a policy that names them
    policy = RetryPolicy(retry_on=(Exception, PermanentError, JobCancelled))

    assert not policy.retries(exc)


def test_a_subclass_of_permanent_error_never_retries() -> None:
    class NotFound(PermanentError, RetryableError):
        pass

    assert not RetryPolicy(retry_on=(RetryableError,)).retries(NotFound())
