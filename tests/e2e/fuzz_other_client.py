"""A schemathesis check (loaded through ``SCHEMATHESIS_HOOKS``): what one client could
reach by naming a resource, another client cannot.

Every answered request whose path names a resource (``/v1/jobs/{job_id}``,
``/v1/schedules/{schedule_id}`` and their actions) is sent again, unchanged but for the
API key, as a second client with every scope; the answer must be 404, the same as for an
id that does not exist, so a client cannot even learn that another's resource exists.
Each replay is recorded in the file ``CONVEYOR_FUZZ_REPLAYS`` names, so the test can
show the check ran.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import requests
import schemathesis

# Path templates that name one resource: a replay of these must be a 404.
NAMED = ("{job_id}", "{schedule_id}")
# OPTIONS describes the endpoint (DRF's metadata: its name, what it parses and renders),
# the same for any id, so it tells nothing about another client's resource.
ABOUT_THE_ENDPOINT = {"OPTIONS"}


@schemathesis.check
def other_client_gets_404(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 2xx answer to the fuzzer's client is a 404 to another client."""
    if not 200 <= response.status_code < 300:
        return None
    if not any(name in case.path for name in NAMED):
        return None
    sent = response.request
    if str(sent.method).upper() in ABOUT_THE_ENDPOINT:
        return None
    headers = {
        name: value
        for name, value in sent.headers.items()
        if name.lower() in {"content-type", "idempotency-key"}
    }
    headers["Authorization"] = f"Bearer {os.environ['CONVEYOR_FUZZ_OTHER_KEY']}"
    replay = requests.request(
        sent.method, sent.url, data=sent.body, headers=headers, timeout=30, allow_redirects=False
    )
    with Path(os.environ["CONVEYOR_FUZZ_REPLAYS"]).open("a") as log:
        log.write(f"{sent.method} {case.path} {response.status_code} {replay.status_code}\n")
    if replay.status_code != 404:
        raise AssertionError(
            f"another client's {sent.method} {sent.url} answered {replay.status_code}, not "
            f"404: the fuzzer's client got {response.status_code} for it"
        )
    return None
