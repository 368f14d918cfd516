"""Each start of the worker's heartbeat consumer declares a ping queue of its own, so a
broker that lost its data never sees the old queue's name declared again (RabbitMQ can
refuse that with "process is stopped by supervisor" while it tears the old one down)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from kombu import Connection

from conveyor_worker.heartbeat import HeartbeatStep
from tests.shared_services import RABBITMQ_URL, require


def _step(tmp_path: Path, app: Celery) -> HeartbeatStep:
    step = HeartbeatStep(parent=None)
    step.path = tmp_path / "heartbeat"
    step.consumer_hostname = f"heartbeat-test-{uuid.uuid4().hex[:8]}@test"
    step.app = app
    return step


def _drain_until(conn: Connection, done: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"no ping consumed within {seconds} s")
        try:
            conn.drain_events(timeout=0.5)
        except TimeoutError:
            continue


def test_a_restarted_consumer_pings_through_a_queue_of_its_own(tmp_path: Path) -> None:
    require("rabbitmq")
    app = Celery(broker=RABBITMQ_URL)
    step = _step(tmp_path, app)
    names = []
    try:
        for _start in range(2):
            with Connection(RABBITMQ_URL) as conn:
                channel = conn.channel()
                (consumer,) = step.get_consumers(channel)
                assert step.queue is not None
                names.append(step.queue.name)
                consumer.consume()
                step.path.unlink(missing_ok=True)
                step.send_ping()
                _drain_until(conn, step.path.exists, 10)
                consumer.cancel()
    finally:
        app.close()
    # two starts, two queues: the second never declares the first one's name again
    assert len(set(names)) == 2, names
    assert all(name.startswith("conveyor.heartbeat.heartbeat-test-") for name in names)


@pytest.fixture(autouse=True)
def _short_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    # the test's queues expire soon after it (x-expires is ten intervals)
    monkeypatch.setenv("CONVEYOR_HEARTBEAT_SECONDS", "1")
