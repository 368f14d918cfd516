"""The API as shipped (gunicorn, uvicorn's worker, PostgreSQL) runs its middleware on the
event loop: long-polls hold no thread while they wait (64 waits on one process leave its
thread count small), and what the middleware does still works there: static files,
the admin's CSRF check, the body limit, the policy header, the metrics."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import httpx
import pytest

from tests import shared_services as services
from tests.e2e.platform import Platform
from tests.faults.test_api_probes import SHORTENED_HEADER, long_polls
from tests.procs import wait_until

pytestmark = pytest.mark.timeout(300)

WAITS = 64
# The loop's thread, the LISTEN thread, the loop's default executor (a few), the database
# pool's workers (3), the idle request threads kept for the next requests (at most
# core/request_threads.MAX_IDLE, 8): far below one per wait.
THREAD_BOUND = 24


@pytest.fixture(scope="module")
def one_process_platform() -> Iterator[Platform]:
    services.require("postgres")
    services.require("redis")
    with Platform.running("redis", api_env={"GUNICORN_WORKERS": "1"}) as platform:
        yield platform


def _worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError(f"no Threads: in /proc/{pid}/status")


def _served_connections(port: int) -> int:
    """Established TCP connections whose local end is ``port`` (the server's side)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(FileNotFoundError):
            for row in Path(table).read_text().splitlines()[1:]:
                local, state = row.split()[1], row.split()[3]
                if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                    count += 1
    return count


def test_64_long_polls_on_one_process_hold_no_thread_each(
    one_process_platform: Platform,
) -> None:
    platform = one_process_platform
    worker = _worker_pid(platform.procs["api"].pid)
    port = httpx.URL(platform.base_url).port
    assert port is not None
    # given 64 clients long-polling jobs that do not end, for 30 s, on one process
    polls = long_polls(platform, WAITS, wait=30)
    counts: list[int] = []

    def waiting_on_few_threads() -> bool:
        threads = _threads(worker)
        counts.append(threads)
        return (
            not any(p.done() for p in polls)
            and _served_connections(port) >= WAITS
            and threads < THREAD_BOUND
        )

    # then, while all of them are connected and unanswered, the worker runs a handful
    # of threads, not one per wait
    try:
        wait_until(waiting_on_few_threads, timeout=25, message="few threads")
    except TimeoutError:
        pytest.fail(f"{WAITS} long-polls waiting held the worker's threads: {counts[-5:]}")
    # and every long-poll waited its whole wait and got the job, queued still
    answers = [p.result(timeout=90) for p in polls]
    assert {(a.status_code, a.json().get("state")) for a in answers} == {(200, "queued")}
    assert not [a for a in answers if SHORTENED_HEADER in a.headers]


def test_the_middleware_works_on_the_event_loop(one_process_platform: Platform) -> None:
    platform = one_process_platform
    with httpx.Client(base_url=platform.base_url, timeout=30) as client:
        # a static file, from WhiteNoise, with the policy
        css = client.get("/static/admin/css/base.css")
        assert css.status_code == 200, css.text[:200]
        assert css.headers["content-type"].startswith("text/css")
        assert "Content-Security-Policy" in css.headers
        # an unknown static path falls through to Django's 404
        assert client.get("/static/no-such-file.css").status_code == 404
        # the admin's login page sets the CSRF cookie; a login without its token is refused
        login = client.get("/admin/login/")
        assert login.status_code == 200
        assert "csrftoken" in login.cookies
        assert "Content-Security-Policy" in login.headers
        refused = client.post("/admin/login/", data={"username": "a", "password": "b"})
        assert refused.status_code == 403
        # a declared body over the limit is refused before anything reads it
        too_big = client.post(
            "/v1/jobs",
            content=b"{" + b" " * (1024 * 1024) + b"}",
            headers={**platform.headers(), "Content-Type": "application/json"},
        )
        assert too_big.status_code == 413
        # and the API's requests are counted
        assert client.get("/healthz").status_code == 200
        metrics = client.get("/metrics").text
        assert 'conveyor_http_requests_total{method="GET",route="healthz"' in metrics
