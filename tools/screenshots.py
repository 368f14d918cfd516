"""The dashboard's screenshots in docs/img/ (docs/dashboard.md), taken from a real run.

Starts ``make run``'s embedded platform (``python -m conveyor.devserver``: SQLite, the SQL
broker, a worker and beat) in a scratch data dir, gives it work to show (a schedule,
jobs that run a while and report progress, jobs that fail), logs in to the dashboard as
the admin user it made, and saves one PNG per page with Playwright driving Debian's
Chromium (never a downloaded browser)::

    .venv/bin/python tools/screenshots.py            # into docs/img/
    .venv/bin/python tools/screenshots.py --out /tmp/shots
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CONVEYOR_CHROMIUM", "/usr/bin/chromium")
# What the test suite's environment sets and a fresh `make run` does not have.
SUITE_ONLY = ("DATABASE_URL", "BROKER_URL", "SECRET_KEY", "CONVEYOR_BROKER_KEY_PREFIX")
#: The pages: file name, path, and what shows the page is filled in.
PAGES: list[tuple[str, str, str]] = [
    ("dashboard-overview.png", "/dashboard/", '#throughput-chart path[data-series="succeeded"]'),
    ("dashboard-jobs.png", "/dashboard/jobs/", "tr[data-job]"),
    ("dashboard-failed.png", "/dashboard/failed/", "button.replay"),
    ("dashboard-queues.png", "/dashboard/queues/", "#queues-table tr[data-queue]"),
    ("dashboard-schedules.png", "/dashboard/schedules/", "#schedules-table tr[id]"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(0.3)


def give_work(base: str, key: str) -> str:
    """A schedule, failing jobs, and a long job reporting progress; returns the long job's id."""
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as api:
        api.post(
            "/v1/schedules",
            json={
                "name": "nightly-report",
                "cron": {"expression": "30 2 * * *", "timezone": "Europe/Berlin"},
                "job": {"type": "demo.noop"},
            },
        ).raise_for_status()
        api.post(
            "/v1/schedules",
            json={"name": "heartbeat", "interval_seconds": 60, "job": {"type": "demo.noop"}},
        ).raise_for_status()
        for _ in range(3):
            api.post("/v1/jobs", json={"type": "demo.noop"}).raise_for_status()
            api.post(
                "/v1/jobs",
                json={
                    "type": "http.request",
                    "params": {"url": "http://169.254.169.254/"},
                    "max_attempts": 1,
                },
            ).raise_for_status()
        long = api.post(
            "/v1/jobs", json={"type": "demo.sleep", "params": {"seconds": 120, "steps": 60}}
        )
        long.raise_for_status()
        job_id: str = long.json()["id"]

        def running_with_progress() -> bool:
            job: dict[str, Any] = api.get(f"/v1/jobs/{job_id}").json()
            return bool(job["state"] == "running" and (job.get("progress") or {}).get("percent"))

        wait_for(running_with_progress, 90, "the long job to report progress")
        return job_id


def shoot(page: Page, path: str, ready: str, out: Path) -> None:
    page.goto(path)
    page.wait_for_selector(ready, state="attached")
    page.wait_for_timeout(500)  # let the first poll's charts settle before the picture
    page.screenshot(path=str(out), full_page=True)
    print(f"screenshots: wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="conveyor-screenshots-") as scratch:
        data_dir = Path(scratch) / "var"
        env = {k: v for k, v in os.environ.items() if k not in SUITE_ONLY}
        env["CONVEYOR_DATA_DIR"] = str(data_dir)
        log = Path(scratch) / "run.log"
        with log.open("wb") as output:
            server = subprocess.Popen(
                [sys.executable, "-m", "conveyor.devserver", "--port", str(port)],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for(
                lambda: "Press Ctrl-C to stop." in log.read_text(errors="replace"),
                300,
                "make run's demo to finish",
            )
            login = json.loads((data_dir / "admin.json").read_text())
            key = (data_dir / "demo_api_key").read_text().strip()
            long_job = give_work(base, key)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM)
                page = browser.new_page(base_url=base, viewport={"width": 1360, "height": 900})
                page.goto("/dashboard/login/")
                page.fill("input[name=username]", login["username"])
                page.fill("input[name=password]", login["password"])
                page.click("button[type=submit]")
                page.wait_for_url("**/dashboard/")
                for name, path, ready in PAGES:
                    shoot(page, path, ready, args.out / name)
                shoot(
                    page,
                    f"/dashboard/jobs/{long_job}/",
                    "#attempts-table",
                    args.out / "dashboard-job.png",
                )
                browser.close()
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
