"""A conveyor worker runs without Celery's gossip and mingle, whatever its command line,
and with conveyor's consumer (conveyor_worker/consumer.py)."""

from __future__ import annotations

import os
import textwrap

from tests.procs import fresh_python_report

# The Worker as `celery worker` builds it, asked explicitly for gossip and mingle.
SCRIPT = textwrap.dedent("""
    import json
    from conveyor_worker.app import app
    worker = app.Worker(
        hostname="steps@test", pool_cls="solo", without_gossip=False, without_mingle=False
    )
    steps = worker.consumer.blueprint.steps.values()
    enabled = {type(s).__name__: s.enabled for s in steps if hasattr(s, "enabled")}
    consumer = [f"{c.__module__}.{c.__qualname__}" for c in type(worker.consumer).__mro__]
    print(json.dumps({**enabled, "consumer": consumer}))
""")


def test_gossip_and_mingle_are_off_and_the_rest_on() -> None:
    enabled = fresh_python_report(SCRIPT, {**os.environ, "CONVEYOR_WORKER_METRICS_PORT": "0"})

    assert enabled["Gossip"] is False
    assert enabled["Mingle"] is False
    # what conveyor relies on still runs: tasks, remote control (revoke), its heartbeat
    assert enabled["Tasks"] is True
    assert enabled["Control"] is True
    assert enabled["HeartbeatStep"] is True
    # and the consumer that survives a broker connection lost twice in a row
    assert "conveyor_worker.consumer.Consumer" in enabled["consumer"]
