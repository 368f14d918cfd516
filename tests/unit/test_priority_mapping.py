"""API priority (0-9, 9 highest) to broker priority: RabbitMQ as is, Redis reversed."""

from __future__ import annotations

import pytest

from conveyor.jobs.publishing import broker_priority


@pytest.mark.parametrize("priority", range(10))
def test_rabbitmq_takes_the_priority_as_is(priority: int) -> None:
    assert broker_priority(priority, redis=False) == priority


@pytest.mark.parametrize(("priority", "expected"), [(9, 0), (5, 4), (0, 9), (1, 8)])
def test_redis_gets_it_reversed_as_kombu_takes_lower_numbers_first(
    priority: int, expected: int
) -> None:
    assert broker_priority(priority, redis=True) == expected


def test_a_higher_priority_always_comes_first_on_both() -> None:
    for low, high in zip(range(9), range(1, 10), strict=True):
        assert broker_priority(high, redis=False) > broker_priority(low, redis=False)
        assert broker_priority(high, redis=True) < broker_priority(low, redis=True)


def test_out_of_range_values_are_clamped() -> None:
    assert broker_priority(12, redis=False) == 9
    assert broker_priority(-1, redis=True) == 9
