"""The worker's Celery ``Consumer``: a lost broker connection never stops it for good.

When its broker connection fails, Celery's consumer (5.7) collects the connection, then
closes it again "so the old socket is released", then reconnects. ``collect()`` also
forgets which broker the connection's transport talks to (``transport.client = None``).
With Redis, that breaks what still uses the old channel afterwards:

- ``collect()`` closes the channel, whose ``close()`` first drains the pending ``BRPOP``
  reply; on a socket the broker reset, that read raises a connection error, kombu
  swallows it and leaves the channel open. The second ``close()`` then restores the
  channel's unacknowledged messages with a Redis client built from the transport's
  broker address;
- a job still running when the connection was lost is acknowledged on its old channel
  when it ends, after the reconnect, with such a client too.

Either fails with ``AttributeError: 'NoneType' object has no attribute 'hostname'``,
which is not a connection error: Celery reports an "Unrecoverable error" and starts a
shutdown that hangs, so the process stays up, consuming nothing, until its liveness probe
restarts it (docs/reliability.md: a Redis restarted under load, or again within
seconds). This consumer does Celery's cleanup itself, in the same order, but gives the
transport its broker back after ``collect()``: the old channel closes, its messages are
restored when Redis answers, a late acknowledgement removes its message from Redis's
unacknowledged set, and either fails, when Redis is still away, with a connection
error that Celery logs and survives. Celery's own handler then runs with the connection
already gone and does the rest (its warning, the prefetch and cancel settings).
"""

from __future__ import annotations

import logging

# Both are Celery 5.7's (celery-types does not know them yet).
from celery.utils.threads import bound_open_broker_sockets  # type: ignore[attr-defined]
from celery.worker.consumer import Consumer as CeleryConsumer
from celery.worker.consumer.consumer import COLLECT_SOCKET_TIMEOUT  # type: ignore[attr-defined]
from kombu.common import ignore_errors

log = logging.getLogger(__name__)


class Consumer(CeleryConsumer):
    def on_connection_error_after_connected(self, exc: Exception) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            transport = connection.transport
            bound_open_broker_sockets(connection, COLLECT_SOCKET_TIMEOUT)
            try:
                connection.collect(socket_timeout=COLLECT_SOCKET_TIMEOUT)
            except Exception as error:  # a broken connection: Celery ignores these too
                log.debug("collecting the lost broker connection failed: %r", error)
            # what still uses the old channels (their close, late acks) needs the broker
            transport.client = connection
            ignore_errors(connection, connection.close)
        super().on_connection_error_after_connected(exc)
