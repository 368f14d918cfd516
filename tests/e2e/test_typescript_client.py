"""The TypeScript client (clients/typescript) against a real platform, under Node: its own
tests (clients/typescript/test/, node:test) compiled with tsc and run with the platform's
URL and a key, and a throttling proxy in front of it for the retry.

clients/typescript/node_modules comes from ``make install`` (``npm ci``, which needs the
npm registry). Without it the test is skipped with the reason, except in CI (``CI=true``),
where a missing install is a failure.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tests import shared_services as services
from tests.e2e.platform import Platform
from tests.e2e.throttle import start_throttle

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "typescript"


def node_modules() -> Path:
    found = CLIENT / "node_modules"
    if not (found / ".bin" / "tsc").exists():
        reason = f"{found} is not installed: run `make install` (npm ci in {CLIENT})"
        if services.IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def test_the_typescript_client_against_the_platform(platform: Platform) -> None:
    # given: the client's tests compiled, and two 429s in front of the API for the retry
    modules = node_modules()
    build = CLIENT / ".build" / uuid.uuid4().hex[:8]  # under CLIENT: node finds node_modules
    throttle = start_throttle(platform.base_url, refusals=2)
    try:
        compiled = subprocess.run(
            [str(modules / ".bin" / "tsc"), "-p", ".", "--outDir", str(build)],
            cwd=CLIENT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert compiled.returncode == 0, compiled.stdout + compiled.stderr

        # when
        done = subprocess.run(
            ["node", "--test", str(build / "test")],
            cwd=CLIENT,
            env={
                **os.environ,
                "CONVEYOR_URL": platform.base_url,
                "CONVEYOR_KEY": platform.keys["alice"],
                "CONVEYOR_THROTTLED_URL": throttle.url,
            },
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

        # then
        assert done.returncode == 0, done.stdout[-10000:] + done.stderr[-5000:]
        assert "# fail 0" in done.stdout
        assert "# pass 5" in done.stdout, done.stdout[-3000:]
        assert throttle.seen == ["POST /v1/jobs"] * 3
        gaps = [b - a for a, b in itertools.pairwise(throttle.times)]
        assert min(gaps) >= 0.95, gaps
    finally:
        throttle.stop()
        shutil.rmtree(build, ignore_errors=True)
