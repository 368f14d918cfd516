"""Questions for the broker that conveyor asks outside of publishing."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from kombu.exceptions import ChannelError

from conveyor.config.celery import app

log = logging.getLogger(__name__)


def queue_depth(queue: str) -> int | None:
    """Messages waiting in ``queue`` (0 if the broker has no such queue), or None when the
    broker cannot be asked (it is down). Unacknowledged messages are not counted."""
    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=3)
            channel: Any = conn.channel()
            try:
                if conn.transport.driver_type == "redis":
                    # The sum of the queue's lists, one per priority step. Not a passive
                    # declare: kombu checks a queue exists with an EXISTS that ignores
                    # global_keyprefix, so every prefixed queue looked missing (depth 0).
                    return int(channel._size(queue))
                return int(channel.queue_declare(queue=queue, passive=True).message_count)
            except ChannelError:
                return 0  # no such queue: whatever was in it is gone
            finally:
                with contextlib.suppress(Exception):  # a channel the broker closed (404)
                    channel.close()
    except Exception as exc:
        log.warning("cannot read the depth of queue %s: %s: %s", queue, type(exc).__name__, exc)
        return None
