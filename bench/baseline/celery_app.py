"""A plain Celery app with one no-op task: ``celery -A bench.baseline.celery_app worker``.

Read from the environment (set by ``bench.sides``):

- ``BROKER_URL``: the broker being measured (Redis, or a RabbitMQ vhost), as conveyor's;
- ``BASELINE_KEY_PREFIX``: its own key prefix in Redis (broker keys on Redis, results);
- ``BASELINE_TRANSPORT_OPTIONS``: JSON; the key prefix on Redis, publisher confirms on
  RabbitMQ (as conveyor);
- ``BASELINE_RESULT_BACKEND``: a Redis URL to store results (what a team needs to report
  status), or empty for none.
"""

from __future__ import annotations

import json
import os
from typing import Any

from celery import Celery

_prefix = os.environ.get("BASELINE_KEY_PREFIX", "")
_result_backend = os.environ.get("BASELINE_RESULT_BACKEND") or None
_transport_options = json.loads(os.environ.get("BASELINE_TRANSPORT_OPTIONS") or "{}")

app = Celery("baseline")
app.conf.update(
    broker_url=os.environ["BROKER_URL"],
    broker_transport_options=_transport_options,
    broker_connection_retry_on_startup=True,
    # JSON, as conveyor.
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    # Results only in the "with results" variant; its keys live under the side's prefix.
    result_backend=_result_backend,
    result_backend_transport_options={"global_keyprefix": _prefix},
    task_ignore_result=_result_backend is None,
    # The same delivery guarantees as conveyor (late acks, one message per process), so
    # the ratio is the price of conveyor's own work, not of a different Celery setup.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_default_queue="default",
    worker_hijack_root_logger=False,
    # Nothing consumes task events: off, as conveyor has them.
    worker_send_task_events=False,
    task_send_sent_event=False,
)


@app.task(name="baseline.noop")
def noop(job_type: str, params: dict[str, Any]) -> None:
    """Do nothing: the baseline of a no-op job."""
