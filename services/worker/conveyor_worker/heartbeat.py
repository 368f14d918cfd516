"""A heartbeat tied to consumption: the worker pings itself through the broker.

Every ``CONVEYOR_HEARTBEAT_SECONDS`` the worker publishes a small message to a queue of
its own, and its consumer (the main process's event loop, not the pool) receives it and
refreshes the heartbeat file. If the worker stops consuming (a wedged connection after a
broker reconnect, a blocked event loop), the file goes stale and the liveness probe
(``conveyor_worker.health``) fails, so Kubernetes restarts the pod. A busy pool does not
delay the ping: it never reaches the pool.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from pathlib import Path
from typing import Any

from celery import bootsteps
from kombu import Consumer, Exchange, Message, Queue

from conveyor.config.env import env_float
from conveyor_worker.health import heartbeat_path

log = logging.getLogger(__name__)

PING_EXCHANGE = Exchange("conveyor.heartbeat", type="direct", durable=False)


def touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{time.time():.3f}\n")
    os.replace(tmp, path)


class HeartbeatStep(bootsteps.ConsumerStep):
    """Consumes this worker's ping queue and sends it a ping on a timer."""

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.interval = env_float("CONVEYOR_HEARTBEAT_SECONDS", 10.0)
        self.path = heartbeat_path()
        self.queue: Queue | None = None
        self.timer_ref: Any = None
        self.starts = itertools.count()

    def get_consumers(self, channel: Any) -> list[Consumer]:
        # A queue of its own for each start of the consumer: after a broker that lost
        # its data (a vhost or node recreated), RabbitMQ can refuse to declare again a
        # queue whose old process is still being stopped ("process is stopped by
        # supervisor"). The previous queue expires by itself (auto_delete, x-expires).
        name = f"{self.consumer_hostname}.{os.getpid()}.{next(self.starts)}"
        self.queue = Queue(
            f"conveyor.heartbeat.{name}",
            PING_EXCHANGE,
            routing_key=name,
            durable=False,
            auto_delete=True,
            queue_arguments={"x-expires": int(self.interval * 10 * 1000)},
        )
        return [
            Consumer(
                channel,
                queues=[self.queue],
                callbacks=[self.on_ping],
                accept=["json"],
                no_ack=False,
            )
        ]

    def start(self, c: Any) -> None:
        self.consumer_hostname = c.hostname
        self.app = c.app
        super().start(c)
        touch(self.path)
        self.timer_ref = c.timer.call_repeatedly(self.interval, self.send_ping, priority=10)
        self.send_ping()

    def stop(self, c: Any) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None
        try:
            super().stop(c)
        except AttributeError:  # Celery's close fails on a connection already gone
            log.debug("heartbeat consumer stopped without a connection")

    def send_ping(self) -> None:
        if self.queue is None:
            return
        try:
            with self.app.producer_or_acquire() as producer:
                producer.publish(
                    {"sent": time.time()},
                    exchange=PING_EXCHANGE,
                    routing_key=self.queue.routing_key,
                    serializer="json",
                    declare=[self.queue],
                    retry=False,
                    expiration=self.interval * 3,
                )
        except Exception as exc:  # a broker outage: the file goes stale, which is the point
            log.warning("heartbeat ping not sent: %s", exc)

    def on_ping(self, body: Any, message: Message) -> None:
        message.ack()
        touch(self.path)
