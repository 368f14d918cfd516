"""schemathesis against a real API: what it generates from /v1/schema, valid and invalid,
answers as the schema says (status codes, bodies, content types, headers), every invalid
request is refused, and no request ends in a 500.

The run is bounded (``MAX_EXAMPLES`` per operation, a fixed seed, so a failure reproduces
with the same command): under a minute here, plus the platform's start. The platform's
worker is stopped before the run: the fuzzed jobs (``http.request`` to generated URLs,
webhooks to generated receivers) stay queued, so nothing is sent beyond loopback.
"""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conveyor.clients.scopes import ALL_SCOPES
from tests import shared_services as services
from tests.e2e.platform import Platform
from tests.procs import BIN, run

REPO = Path(__file__).resolve().parents[2]

MAX_EXAMPLES = 10
# One worker, so no threads: CPython 3.11 keeps the AST constructor's recursion depth in
# state the interpreter's threads share, so code compiled in two threads at once can fail
# with "SystemError: AST constructor recursion depth mismatch" (see cpython gh-106905);
# CI's run hit it once. The run takes a little longer and no longer flakes.
WORKERS = 1
SEED = 17

# Every check is on, for every operation, with one exception, each written here with why.
#
# positive_data_acceptance (a request the schema allows must be accepted) is off for the
# seven operations that take a job, workflow, schedule or bulk filter body: the API checks
# more there than
# OpenAPI 3.0 can state, so some schema-valid bodies are rightly refused with a 400
# naming the field: a label key's pattern (no `propertyNames` in 3.0), a cron
# expression's grammar and a timezone's name, a queue a job type may use, run_at and
# delay_seconds together, a webhook URL's scheme and host, a workflow's graph (ids
# unique, depends_on naming them, no cycle), a bulk action's "at least one filter" (an
# anyOf of required filters, which the Python client's generator cannot build). The
# opposite check,
# negative_data_rejection (a request the schema forbids must be refused), stays on there.
RICHER_THAN_THE_SCHEMA = (
    "jobs_create",
    "jobs_batch_create",
    "workflows_create",
    "schedules_create",
    "schedules_partial_update",
    "jobs_bulk_cancel",
    "jobs_bulk_retry",
)

# A cursor is opaque: only one the API gave is valid, and any other is a 400 naming it,
# which no schema can state. The lists are fuzzed with every check on and one cursor the
# API could have given (the first page after 2026-01-01), so every other parameter still
# meets positive_data_acceptance; tests/api/test_hostile_input.py covers forged cursors.
CURSOR = base64.b64encode(b"p=2026-01-01+00%3A00%3A00%2B00%3A00").decode()
PAGED = ("jobs_list", "schedules_list")


def config_text() -> str:
    """schemathesis.toml: every check on, then the exception above."""
    blocks = [
        f'[[operations]]\ninclude-operation-id = "{operation}"\n'
        "checks.positive_data_acceptance.enabled = false\n"
        for operation in RICHER_THAN_THE_SCHEMA
    ] + [
        f'[[operations]]\ninclude-operation-id = "{operation}"\n'
        f'parameters = {{ "query.cursor" = "{CURSOR}" }}\n'
        for operation in PAGED
    ]
    return "[checks]\nenabled = true\n\n" + "\n".join(blocks)


def api_key(platform: Platform, name: str) -> str:
    """A new client's key, with every scope."""
    command = [str(BIN / "conveyor"), "create_api_client", name, "--scopes", ",".join(ALL_SCOPES)]
    return run([*command, "--key-only"], platform.env).strip()


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[tuple[Platform, str, str]]:
    """A platform whose worker is stopped, the fuzzer's key and another client's, each
    with every scope."""
    services.require("postgres")
    services.require("redis")
    # a long-poll waits at most a second, so a generated `wait` costs little
    with Platform.running("redis", extra_env={"CONVEYOR_LONG_POLL_MAX_SECONDS": "1"}) as platform:
        platform.procs["worker"].stop(timeout=30)
        yield platform, api_key(platform, "fuzzer"), api_key(platform, "other")


def test_schemathesis_finds_no_mismatch(fuzzed: tuple[Platform, str, str], tmp_path: Path) -> None:
    # given the fuzzer's client, and another whose key the check replays with
    platform, key, other_key = fuzzed
    config = tmp_path / "schemathesis.toml"
    config.write_text(config_text())
    replays = tmp_path / "replays.txt"
    replays.touch()
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.e2e.fuzz_other_client",
        "PYTHONPATH": str(REPO),
        "CONVEYOR_FUZZ_OTHER_KEY": other_key,
        "CONVEYOR_FUZZ_REPLAYS": str(replays),
    }

    # when
    done = subprocess.run(
        [
            str(BIN / "schemathesis"),
            "--config-file",
            str(config),
            "run",
            f"{platform.base_url}/v1/schema",
            "--header",
            f"Authorization: Bearer {key}",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--workers",
            str(WORKERS),
            "--generation-database",
            "none",
            "--request-timeout",
            "30",
            "--no-color",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    # then
    assert done.returncode == 0, f"{done.stdout[-20000:]}\n{done.stderr[-5000:]}"
    assert "No issues found" in done.stdout or " passed" in done.stdout, done.stdout[-5000:]
    # and the other client was refused what the fuzzer's reached, job and schedule alike
    replayed = replays.read_text().splitlines()
    assert any("{job_id}" in line for line in replayed), replayed
    assert all(line.endswith(" 404") for line in replayed), replayed
