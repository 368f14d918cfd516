"""What a job's message carries on a real broker: the job id, as JSON, and nothing else."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from kombu import Connection, Exchange, Queue

from conveyor.jobs.publishing import Message, publish
from tests import shared_services as services
from tests.e2e.platform import Broker, make_broker
from tests.procs import free_port


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request: pytest.FixtureRequest) -> Iterator[Broker]:
    services.require(request.param)
    made = make_broker(request.param, f"conveyor_it_{services.RUN_ID}_{uuid.uuid4().hex[:6]}")
    yield made
    import subprocess

    for command in made.cleanup:
        subprocess.run(command, check=False, capture_output=True, timeout=60)


def test_a_message_is_the_job_id_in_json(broker: Broker) -> None:
    queue_name = f"it-{uuid.uuid4().hex[:8]}"
    job_id = uuid.uuid4()
    with Connection(broker.url, transport_options=broker.transport_options) as conn:
        # given a queue on this broker
        queue = Queue(queue_name, Exchange(queue_name, type="direct"), routing_key=queue_name)
        queue(conn.default_channel).declare()
        # when conveyor publishes a job to it
        assert publish(
            Message(job_id=job_id, queue=queue_name, priority=5, timeout_seconds=30),
            connection=conn,
        )
        # then the message carries only the job id, as JSON, with the job's time limits
        received = conn.SimpleQueue(queue).get(timeout=10)  # type: ignore[arg-type]
        assert received.content_type == "application/json"
        assert received.headers["task"] == "conveyor.execute_job"
        assert json.loads(received.body or b"null")[0] == [str(job_id)]
        timelimit: object = received.headers["timelimit"]
        assert timelimit == [40, 30]
        received.ack()
        queue(conn.default_channel).delete()


def test_publish_reports_an_unreachable_broker() -> None:
    with Connection("redis://127.0.0.1:1/0", connect_timeout=1) as conn:
        ok = publish(
            Message(job_id=uuid.uuid4(), queue="default", priority=5, timeout_seconds=30),
            connection=conn,
        )
    assert ok is False


@pytest.fixture
def suite_queue() -> Iterator[str]:
    """A queue of the test's own on the suite's broker (Redis), emptied afterwards."""
    from conveyor.config.celery import app

    services.require("redis")
    name = f"it-{uuid.uuid4().hex[:8]}"
    yield name
    with app.connection_for_write() as conn:
        channel: Any = conn.default_channel
        channel.queue_purge(name)


def messages_for(queue: str, count: int, priority: int = 5) -> list[Message]:
    return [
        Message(job_id=uuid.uuid4(), queue=queue, priority=priority, timeout_seconds=30)
        for _ in range(count)
    ]


def test_the_redis_queue_depth_counts_every_priority_list(suite_queue: str) -> None:
    """kombu keeps one Redis list per priority step; the reconciler must see them all."""
    from django.conf import settings

    from conveyor.core.broker import queue_depth

    if not str(settings.CELERY_BROKER_URL).startswith("redis"):
        pytest.skip("the suite's broker is not Redis")
    # given messages at the lowest, middle and highest priority
    for priority in (0, 5, 9):
        assert publish(*messages_for(suite_queue, 1, priority))
    # then the depth counts all three, though they sit in three lists
    assert queue_depth(suite_queue) == 3


def test_a_batch_reaches_the_broker_through_one_producer(suite_queue: str) -> None:
    from conveyor.core.broker import queue_depth
    from conveyor.jobs.publishing import publish_all

    # when a batch is published
    publish_all(messages_for(suite_queue, 25))
    # then every message is on the broker
    assert queue_depth(suite_queue) == 25


def test_a_batch_goes_to_redis_as_one_pipeline(
    suite_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis.client

    from conveyor.core.broker import queue_depth
    from conveyor.jobs.publishing import publish_all

    sent: list[int] = []
    execute = redis.client.Pipeline.execute

    def counted(self: redis.client.Pipeline, *args: Any, **kwargs: Any) -> Any:
        pushes = [c for c in self.command_stack if str(c[0][0]).upper() == "LPUSH"]
        if pushes:
            sent.append(len(pushes))
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", counted)
    # when a batch is published
    publish_all(messages_for(suite_queue, 25))
    # then its 25 pushes went out in one round trip, and all arrived
    assert sent == [25]
    assert queue_depth(suite_queue) == 25


def test_a_batch_is_left_to_the_reconciler_while_the_broker_is_marked_down(
    suite_queue: str,
) -> None:
    from conveyor.core.broker import queue_depth
    from conveyor.jobs.publishing import breaker, publish_all

    breaker.trip()
    try:
        publish_all(messages_for(suite_queue, 3))
    finally:
        breaker.reset()
    assert queue_depth(suite_queue) == 0


def test_a_failed_publish_marks_the_broker_down_for_the_next_ones(suite_queue: str) -> None:
    from kombu import Producer

    from conveyor.core.broker import queue_depth
    from conveyor.jobs.publishing import breaker

    # given: a producer whose broker is down (as the pool's is during an outage)
    first, second = messages_for(suite_queue, 2)
    breaker.reset()
    try:
        with Connection(f"redis://127.0.0.1:{free_port()}/0", connect_timeout=1) as down:
            # when: a publish through it fails
            assert publish(first, producer=Producer(down)) is False

            # then: the breaker is open, and the next publish leaves its job to the
            # reconciler without trying the broker, though the suite's broker is up
            assert breaker.is_open()
            assert publish(second) is False
    finally:
        breaker.reset()
    assert queue_depth(suite_queue) == 0
    # and once the breaker closes, publishing works again
    assert publish(second) is True
    assert queue_depth(suite_queue) == 1
