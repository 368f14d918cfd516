"""What a job's message carries on a real broker: the job id, as JSON, and nothing else."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from kombu import Connection, Exchange, Queue

from conveyor.jobs.publishing import Message, publish
from tests import services
from tests.e2e.platform import Broker, make_broker


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


def test_the_redis_queue_depth_counts_every_priority_list() -> None:
    """kombu keeps one Redis list per priority step; the reconciler must see them all."""
    from django.conf import settings

    from conveyor.config.celery import app
    from conveyor.core.broker import queue_depth

    services.require("redis")
    if not str(settings.CELERY_BROKER_URL).startswith("redis"):
        pytest.skip("the suite's broker is not Redis")
    queue_name = f"it-prio-{uuid.uuid4().hex[:8]}"
    # given messages at the lowest, middle and highest priority
    for priority in (0, 5, 9):
        assert publish(
            Message(job_id=uuid.uuid4(), queue=queue_name, priority=priority, timeout_seconds=30)
        )
    # then the depth counts all three, though they sit in three lists
    try:
        assert queue_depth(queue_name) == 3
    finally:
        with app.connection_for_write() as conn:
            channel: Any = conn.default_channel
            channel.queue_purge(queue_name)


def test_a_batch_reaches_the_broker_through_one_producer() -> None:
    from conveyor.config.celery import app
    from conveyor.core.broker import queue_depth
    from conveyor.jobs.publishing import publish_all

    services.require("redis")  # the suite's broker
    queue_name = f"it-batch-{uuid.uuid4().hex[:8]}"
    messages = [
        Message(job_id=uuid.uuid4(), queue=queue_name, priority=5, timeout_seconds=30)
        for _ in range(25)
    ]
    try:
        # when a batch is published
        publish_all(messages)
        # then every message is on the broker
        assert queue_depth(queue_name) == 25
    finally:
        with app.connection_for_write() as conn:
            channel: Any = conn.default_channel
            channel.queue_purge(queue_name)


def test_a_batch_is_left_to_the_reconciler_while_the_broker_is_marked_down() -> None:
    from conveyor.core.broker import queue_depth
    from conveyor.jobs.publishing import breaker, publish_all

    services.require("redis")  # the suite's broker
    queue_name = f"it-down-{uuid.uuid4().hex[:8]}"
    messages = [
        Message(job_id=uuid.uuid4(), queue=queue_name, priority=5, timeout_seconds=30)
        for _ in range(3)
    ]
    breaker.trip()
    try:
        publish_all(messages)
    finally:
        breaker.reset()
    assert queue_depth(queue_name) == 0
