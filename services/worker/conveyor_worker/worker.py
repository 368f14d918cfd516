"""The worker's Celery ``Worker`` class: gossip and mingle are always off.

conveyor uses neither. Gossip shares worker events between workers and mingle asks the
other workers, at start, for their revoked task ids and logical clocks; a job's state
lives in the database, and the one revoke conveyor sends (a cancel past its grace)
targets a running attempt, which a worker starting later never holds. With Redis, they
are also where Celery's consumer has been seen to stop consuming after the broker
restarts (celery/celery#8030, #8091; the liveness probe restarts such a worker). And
mingle costs a second at every start.
"""

from __future__ import annotations

from typing import Any

from celery.apps.worker import Worker as CeleryWorker


class Worker(CeleryWorker):
    def __init__(self, app: Any = None, hostname: str | None = None, **kwargs: Any) -> None:
        kwargs.update(without_gossip=True, without_mingle=True)
        super().__init__(app, hostname, **kwargs)
