"""The worker's Celery ``Consumer``: a lost broker connection never stops it for good.

When its broker connection fails, Celery's consumer (5.7) collects the connection, then
closes it again "so the old socket is released", then reconnects. With Redis, the first
pass can stop half-way: ``collect()`` closes the default channel, whose ``close()`` first
drains the pending ``BRPOP`` reply, and on a socket the broker reset that read raises a
connection error; kombu swallows it, leaves the channel open, and ``collect()`` then
drops the transport's connection details. The second ``close()`` finds the channel still
open and restores its unacknowledged messages, which needs a Redis client built from
those details: ``AttributeError: 'NoneType' object has no attribute 'hostname'``. That is
not a connection error, so it escapes, Celery reports an "Unrecoverable error" and starts
a shutdown that hangs: the process stays up, consuming nothing, until its liveness probe
restarts it. It happens when the broker goes away while the worker holds unacknowledged
messages and waits on a ``BRPOP``, i.e. a busy worker with a free pool process; a Redis
restarted under load, or restarting again within seconds (docs/reliability.md).

This consumer does that cleanup itself, in the same order, and lets the second close
fail: by then kombu has taken the channel out of its poller and marked it closed (the
messages it could not restore stay in Redis's unacked set until the visibility timeout;
their jobs are held by leases and the reconciler, not by the message). Celery's own
handler then runs with the connection already gone and does the rest (the warning, the
prefetch and cancel settings).
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
            bound_open_broker_sockets(connection, COLLECT_SOCKET_TIMEOUT)
            try:
                connection.collect(socket_timeout=COLLECT_SOCKET_TIMEOUT)
            except Exception as error:  # a broken connection: Celery ignores these too
                log.debug("collecting the lost broker connection failed: %r", error)
            try:
                ignore_errors(connection, connection.close)
            except AttributeError as error:
                log.warning(
                    "the lost broker connection did not close cleanly (%r); reconnecting "
                    "anyway (conveyor_worker/consumer.py)",
                    error,
                )
        super().on_connection_error_after_connected(exc)
