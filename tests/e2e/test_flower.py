"""Flower (the chart's optional operator UI) runs on conveyor's app, behind basic auth."""

from __future__ import annotations

import httpx

from tests.e2e.platform import Platform
from tests.procs import BIN, free_port, wait_until


def test_flower_shows_the_workers_to_operators_only(platform: Platform) -> None:
    # given Flower started as the chart starts it, with a password from the environment
    port = free_port()
    proc = platform.start(
        f"flower-{port}",
        [
            str(BIN / "celery"),
            "-A",
            "conveyor_worker.app",
            "flower",
            f"--port={port}",
            "--address=127.0.0.1",
            "--persistent=False",
        ],
        FLOWER_BASIC_AUTH="ops:s3cret",
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: httpx.get(f"{url}/healthcheck").status_code == 200,
            timeout=60,
            message="flower to answer its health check",
        )
        # when an anonymous client and an operator ask for the workers
        anonymous = httpx.get(f"{url}/api/workers")
        workers = wait_until(
            lambda: httpx.get(
                f"{url}/api/workers?refresh=1", auth=("ops", "s3cret"), timeout=20
            ).json(),
            timeout=60,
            message="flower to list the workers",
        )
        # then only the operator sees them
        assert anonymous.status_code == 401
        assert isinstance(workers, dict)
        assert any(name.startswith("worker@") for name in workers)
    finally:
        proc.stop(timeout=10)
