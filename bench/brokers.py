"""The broker namespaces a run creates: a Redis key prefix or a RabbitMQ vhost per side.

Every side gets its own namespace on the broker being measured, as the test suite does
(tests/e2e/platform.py), so no side ever sees another's messages; the run removes them
all at the end. A side's Redis key prefix exists on both brokers: the baseline's result
backend is Redis either way (what a team would pick to report status).
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from kombu import Connection
from kombu.exceptions import ChannelError

from bench.stores import delete_keys

BROKERS = ("redis", "rabbitmq")
# kombu's Redis transport: a priority above 0 goes to "<queue><sep><step>"; conveyor uses
# ten steps (0-9), plain Celery the default four (0, 3, 6, 9): count them all.
_KOMBU_SEP = "\x06\x16"
_KOMBU_PRIORITY_STEPS = tuple(range(1, 10))
RABBITMQCTL_SECONDS = 60.0


@dataclass(frozen=True)
class BrokerSpace:
    """One side's namespace on one broker."""

    kind: str
    # The broker URL the side's processes use (a vhost's URL on RabbitMQ).
    url: str
    # Broker keys (Redis) and result keys (both brokers) live under this prefix.
    key_prefix: str
    redis_client: redis.Redis

    @property
    def is_redis(self) -> bool:
        return self.kind == "redis"

    def transport_options(self) -> dict[str, Any]:
        """What a plain Celery app needs to stay in this namespace, with conveyor's
        delivery guarantees (publisher confirms on RabbitMQ)."""
        if self.is_redis:
            return {"global_keyprefix": self.key_prefix}
        return {"confirm_publish": True}

    def waiting(self, queues: tuple[str, ...]) -> int:
        """Messages not yet run in ``queues``.

        Redis: queued (every priority list) plus delivered and not acknowledged; acks are
        late, so a message leaves only after its task ran. RabbitMQ: the queues' ready
        messages only (AMQP does not report unacknowledged ones), so up to prefetch x
        concurrency messages (2 with the bench's sizes) may still be running at zero.
        """
        if self.is_redis:
            pipe = self.redis_client.pipeline(transaction=False)
            for queue in queues:
                pipe.llen(f"{self.key_prefix}{queue}")
                for step in _KOMBU_PRIORITY_STEPS:
                    pipe.llen(f"{self.key_prefix}{queue}{_KOMBU_SEP}{step}")
            pipe.hlen(f"{self.key_prefix}unacked")
            return sum(int(n) for n in pipe.execute())
        return sum(self._rabbitmq_ready(queue) for queue in queues)

    def purge(self, queues: tuple[str, ...]) -> None:
        """Forget every message (and, on Redis, every key) of this namespace."""
        delete_keys(self.redis_client, self.key_prefix)
        if self.is_redis:
            return
        with Connection(self.url, connect_timeout=5) as conn:
            for queue in queues:
                channel: Any = conn.channel()
                try:
                    channel.queue_purge(queue)
                except ChannelError:
                    pass  # never declared: nothing to purge
                finally:
                    with contextlib.suppress(Exception):  # closed by the broker (404)
                        channel.close()

    def _rabbitmq_ready(self, queue: str) -> int:
        with Connection(self.url, connect_timeout=5) as conn:
            channel: Any = conn.channel()
            try:
                return int(channel.queue_declare(queue=queue, passive=True).message_count)
            except ChannelError:
                return 0  # not declared yet: empty
            finally:
                with contextlib.suppress(Exception):
                    channel.close()


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(
        ["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=RABBITMQCTL_SECONDS
    )


def vhost_url(server_url: str, vhost: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{vhost}"))


@contextmanager
def broker_space(
    kind: str, *, name: str, redis_url: str, rabbitmq_url: str, redis_client: redis.Redis
) -> Iterator[BrokerSpace]:
    """A namespace called ``name``, removed on the way out (keys, vhost and its queues)."""
    prefix = f"{name}:"
    try:
        if kind == "redis":
            yield BrokerSpace(kind, redis_url, prefix, redis_client)
        elif kind == "rabbitmq":
            _rabbitmqctl("add_vhost", name)
            try:
                user = _user_of(rabbitmq_url)
                _rabbitmqctl("set_permissions", "-p", name, user, ".*", ".*", ".*")
                yield BrokerSpace(kind, vhost_url(rabbitmq_url, name), prefix, redis_client)
            finally:
                _rabbitmqctl("delete_vhost", name)
        else:
            raise ValueError(f"unknown broker {kind!r}; choose from {', '.join(BROKERS)}")
    finally:
        delete_keys(redis_client, prefix)


def _user_of(url: str) -> str:
    return urlsplit(url).username or "guest"
