"""`helm test`: submit a demo.noop job through the API Service and wait until it succeeds.

Run by the chart's test hook pod (templates/tests/pod-api-roundtrip.yaml) with the
standard library only. Without an API key (tests.existingSecret empty) it checks the
API's readiness and says the round trip was skipped. Exit 0 = passed.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request

FINAL = {"succeeded", "failed", "cancelled"}


def call(method, url, key=None, body=None):
    headers = {"Accept": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return response.status, json.loads(response.read() or b"null")


def main():
    base = os.environ["CONVEYOR_URL"].rstrip("/")
    key = os.environ.get("CONVEYOR_API_KEY", "")
    deadline = time.monotonic() + float(os.environ.get("CONVEYOR_TIMEOUT_SECONDS", "120"))
    call("GET", f"{base}/readyz")
    print(f"{base}/readyz: ready")
    if not key:
        print(
            "SKIPPED the job round trip: tests.existingSecret is not set (a Secret holding "
            "an API key of scopes jobs:read,jobs:write)."
        )
        return 0
    if os.environ.get("CONVEYOR_DEMO_JOB_TYPES") != "true":
        print(
            "SKIPPED the job round trip: the demo job types are off "
            "(config.demoJobTypes=true turns them on)."
        )
        return 0
    _, job = call("POST", f"{base}/v1/jobs", key, {"type": "demo.noop", "params": {}})
    print(f"submitted job {job['id']} ({job['state']})")
    while job["state"] not in FINAL:
        left = deadline - time.monotonic()
        if left <= 0:
            print(f"FAILED: job {job['id']} still {job['state']}: are the workers running?")
            return 1
        wait = max(1, min(30, int(left)))
        _, job = call("GET", f"{base}/v1/jobs/{job['id']}?wait={wait}", key)
    print(f"job {job['id']}: {job['state']}")
    return 0 if job["state"] == "succeeded" else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (urllib.error.URLError, OSError, KeyError, ValueError) as error:
        print(f"FAILED: {error!r}")
        sys.exit(1)
