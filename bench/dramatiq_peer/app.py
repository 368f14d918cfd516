"""The Dramatiq broker and its no-op actor: ``dramatiq bench.dramatiq_peer.app``.

Read from the environment (set by ``bench.sides``):

- ``DRAMATIQ_REDIS_URL``: the Redis the messages go through;
- ``DRAMATIQ_NAMESPACE``: the side's namespace there (every key starts with it and ``:``).
"""

from __future__ import annotations

import os
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker

QUEUE = "default"

broker = RedisBroker(  # type: ignore[no-untyped-call]
    url=os.environ["DRAMATIQ_REDIS_URL"],
    namespace=os.environ.get("DRAMATIQ_NAMESPACE", "dramatiq"),
)
dramatiq.set_broker(broker)


@dramatiq.actor(actor_name="peer.noop", queue_name=QUEUE)
def noop(job_type: str, params: dict[str, Any]) -> None:
    """Do nothing: the peer's no-op job."""
