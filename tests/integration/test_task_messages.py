"""A job's message built from its shape's template is the message Celery's ``send_task``
sends, on both brokers, but for its own id and arguments; and where something listens to
Celery's publish signals (tracing), every message still goes through Celery."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from celery import signals
from kombu import Connection, Exchange, Queue

from conveyor.config.celery import app
from conveyor.config.tasks import EXECUTE_JOB_TASK
from conveyor.jobs import task_messages
from conveyor.jobs.publishing import PUBLISH_RETRY_POLICY
from conveyor.jobs.task_messages import Shape
from tests import shared_services as services
from tests.e2e.platform import Broker, make_broker

# What each message has of its own.
OWN_HEADERS = {"id", "root_id", "argsrepr"}
OWN_PROPERTIES = {"correlation_id"}


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request: pytest.FixtureRequest) -> Iterator[Broker]:
    services.require(request.param)
    made = make_broker(request.param, f"conveyor_tm_{services.RUN_ID}_{uuid.uuid4().hex[:6]}")
    task_messages.forget_templates()
    yield made
    task_messages.forget_templates()
    for command in made.cleanup:
        subprocess.run(command, check=False, capture_output=True, timeout=60)


def _received(inbox: Any) -> dict[str, Any]:
    message = inbox.get(timeout=10)
    message.ack()
    properties = {
        key: value
        for key, value in message.properties.items()
        if key not in {"delivery_info", "delivery_tag", "body_encoding", "application_headers"}
    }
    return {
        "headers": dict(message.headers),
        "properties": properties,
        "content_type": message.content_type,
        "body": json.loads(message.body or b"null"),
        "routing_key": message.delivery_info.get("routing_key"),
    }


def _sent_and_received(broker: Broker, shape: Shape, count: int) -> list[dict[str, Any]]:
    """``count`` messages of ``shape`` sent through ``task_messages``, as received from
    the shape's queue (deleted afterwards)."""
    with Connection(broker.url, transport_options=broker.transport_options) as conn:
        try:
            for _ in range(count):
                task_messages.send_task(shape, [str(uuid.uuid4())], connection=conn)
            inbox = conn.SimpleQueue(app.amqp.queues[shape.queue])  # type: ignore[arg-type]
            return [_received(inbox) for _ in range(count)]
        finally:
            Queue(shape.queue, Exchange(shape.queue))(conn.default_channel).delete()


def _without(message: dict[str, Any], headers: set[str], properties: set[str]) -> dict[str, Any]:
    return {
        **message,
        "headers": {k: v for k, v in message["headers"].items() if k not in headers},
        "properties": {k: v for k, v in message["properties"].items() if k not in properties},
        "body": message["body"][1:],
    }


def test_a_templated_message_is_the_one_celery_sends(broker: Broker) -> None:
    queue_name = f"tm-{uuid.uuid4().hex[:8]}"
    shape = Shape(EXECUTE_JOB_TASK, queue_name, priority=4, soft_time_limit=30, time_limit=40)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    with Connection(broker.url, transport_options=broker.transport_options) as conn:
        inbox = conn.SimpleQueue(app.amqp.queues[queue_name])  # type: ignore[arg-type]
        try:
            # given the message Celery itself sends for one job
            app.send_task(
                EXECUTE_JOB_TASK,
                args=[first],
                connection=conn,
                retry=True,
                retry_policy=PUBLISH_RETRY_POLICY,
                **shape.options(),
            )
            celerys = _received(inbox)
            # when conveyor sends two of that shape (the first builds the template)
            for job_id in (first, second):
                task_messages.send_task(
                    shape, [job_id], connection=conn, retry=True, retry_policy=PUBLISH_RETRY_POLICY
                )
            built, copied = _received(inbox), _received(inbox)
        finally:
            Queue(queue_name, Exchange(queue_name))(conn.default_channel).delete()
    # then each is Celery's message but for its id and arguments
    for ours, job_id in ((built, first), (copied, second)):
        assert _without(ours, OWN_HEADERS, OWN_PROPERTIES) == _without(
            celerys, OWN_HEADERS, OWN_PROPERTIES
        )
        assert ours["body"][0] == [job_id]
        assert ours["headers"]["argsrepr"] == repr([job_id])
        assert ours["headers"]["id"] == ours["headers"]["root_id"]
        assert ours["properties"]["correlation_id"] == ours["headers"]["id"]
    assert built["headers"]["id"] != copied["headers"]["id"]
    assert celerys["headers"]["timelimit"] == [40, 30]
    assert celerys["properties"]["priority"] == 4


def test_the_second_message_of_a_shape_is_not_built_by_celery(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_name = f"tm-{uuid.uuid4().hex[:8]}"
    shape = Shape(EXECUTE_JOB_TASK, queue_name, priority=5, soft_time_limit=30, time_limit=40)
    built = []
    send_task = app.send_task

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(kwargs.get("args"))
        return send_task(*args, **kwargs)

    monkeypatch.setattr(app, "send_task", counting)
    received = _sent_and_received(broker, shape, 3)
    # Celery built one message, with no arguments (the template); all three were sent
    assert built == [[]]
    assert len({m["headers"]["id"] for m in received}) == 3


def test_with_publish_signals_connected_celery_sends_each_message(broker: Broker) -> None:
    queue_name = f"tm-{uuid.uuid4().hex[:8]}"
    shape = Shape(EXECUTE_JOB_TASK, queue_name, priority=5, soft_time_limit=30, time_limit=40)
    seen: list[str] = []

    def on_publish(sender: str, headers: dict[str, Any], **_: Any) -> None:
        headers["traced"] = "yes"  # what a tracer does: its context in the headers
        seen.append(headers["id"])

    signals.before_task_publish.connect(on_publish)
    try:
        received = _sent_and_received(broker, shape, 2)
    finally:
        signals.before_task_publish.disconnect(on_publish)
    assert seen == [m["headers"]["id"] for m in received]
    assert all(m["headers"]["traced"] == "yes" for m in received)


def test_templates_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # a template is built without a broker: Celery records the message it would send
    monkeypatch.setattr(task_messages, "MAX_TEMPLATES", 5)
    task_messages.forget_templates()
    try:
        # when more shapes than the bound are sent (a client choosing its timeouts)
        for seconds in range(1, 12):
            shape = Shape(
                EXECUTE_JOB_TASK,
                "bounded",
                priority=5,
                soft_time_limit=seconds,
                time_limit=seconds + 10,
            )
            built = task_messages.template_of(shape, {})
            assert built.headers["timelimit"] == [seconds + 10, seconds]
        # then only the newest are kept
        assert len(task_messages._templates) == 5
    finally:
        task_messages.forget_templates()


def test_a_forked_process_starts_without_templates() -> None:
    # given a template built in this process
    task_messages.template_of(Shape(EXECUTE_JOB_TASK, "forked"), {})
    assert task_messages._templates
    # when it forks (gunicorn's and Celery's pool processes), the child has none: its
    # messages name the child as their origin
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(writer, str(len(task_messages._templates)).encode())
        os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    assert os.read(reader, 16) == b"0"
    os.close(reader)
    task_messages.forget_templates()
