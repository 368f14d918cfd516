"""``make run`` (``python -m conveyor.devserver``) on the embedded default, as a user runs it.

Each test runs it in its own data dir on a free port, with no DATABASE_URL, BROKER_URL or
SECRET_KEY, and finds the processes it started by that data dir in their environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.procs import free_port, wait_until

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/environ").exists(), reason="finds the children through /proc"
)

# What the suite's conftest sets for itself and a user's first `make run` does not have.
SUITE_ONLY = ("DATABASE_URL", "BROKER_URL", "SECRET_KEY", "CONVEYOR_BROKER_KEY_PREFIX")


@dataclass
class LocalRun:
    process: subprocess.Popen[bytes]
    data_dir: Path
    output: Path
    port: int

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for(self, line: str, timeout: float) -> None:
        def shown() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"run_local exited ({self.process.returncode}):\n{self.text()}"
                )
            return line in self.text()

        wait_until(shown, timeout=timeout, interval=0.2, message=f"{line!r} in the output")

    def processes(self) -> dict[int, str]:
        """pid -> command line of every process whose environment names our data dir."""
        mark = f"CONVEYOR_DATA_DIR={self.data_dir}".encode()
        found: dict[int, str] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == self.process.pid:
                continue
            with contextlib.suppress(OSError):
                if mark in (entry / "environ").read_bytes().split(b"\0"):
                    cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                    found[int(entry.name)] = cmdline.decode(errors="replace")
        return found


def dashboard_overview(base: str, username: str, password: str) -> dict[str, Any]:
    """Log in to the dashboard as a browser does (CSRF cookie and token), read its overview."""
    with httpx.Client(base_url=base, timeout=30) as browser:
        form = browser.get("/dashboard/login/").text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert token, form
        response = browser.post(
            "/dashboard/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": token.group(1),
            },
        )
        assert response.status_code == 302, response.text
        overview: dict[str, Any] = browser.get("/dashboard/live/overview").json()
        return overview


@pytest.fixture
def start_local(tmp_path: Path) -> Iterator[Callable[..., LocalRun]]:
    runs: list[LocalRun] = []

    def start(*args: str, port: int | None = None, **extra_env: str) -> LocalRun:
        data_dir = tmp_path / "var"
        output = tmp_path / "output.txt"
        port = free_port() if port is None else port
        env = {k: v for k, v in os.environ.items() if k not in SUITE_ONLY}
        env.update({"CONVEYOR_DATA_DIR": str(data_dir), **extra_env})
        with output.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "conveyor.devserver", "--port", str(port), *args],
                cwd=tmp_path,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        run = LocalRun(process=process, data_dir=data_dir, output=output, port=port)
        runs.append(run)
        return run

    yield start
    for run in runs:  # whatever a failed test left running
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait(10)
        for pid in run.processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_demo_jobs_reach_final_states_and_ctrl_c_stops_everything(
    start_local: Callable[..., LocalRun],
) -> None:
    # given
    run = start_local()

    # when
    run.wait_for("all 6 demo jobs are final", timeout=240)
    run.wait_for("Press Ctrl-C to stop.", timeout=30)

    # then
    text = run.text()
    assert "all 6 demo jobs are final: 1 failed, 5 succeeded" in text
    assert "DestinationRefused" in text
    base = f"http://127.0.0.1:{run.port}"
    for shown in (
        f"{base}/v1/docs",
        f"{base}/admin/",
        f"{base}/dashboard/",
        f"curl -s -X POST {base}/v1/jobs",
        "cvk_",
    ):
        assert shown in text
    # the dashboard, on SQLite: the admin user printed logs in, the charts count the jobs
    login = json.loads((run.data_dir / "admin.json").read_text())
    assert f"user {login['username']}   password {login['password']}" in text
    overview = dashboard_overview(base, login["username"], login["password"])
    minutes = overview["minutes"]
    assert (sum(m["succeeded"] for m in minutes), sum(m["failed"] for m in minutes)) == (5, 1)
    assert any(m["run_p50"] is not None for m in minutes)
    assert (run.data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
    assert (run.data_dir / "demo_api_key").stat().st_mode & 0o777 == 0o600
    running = run.processes()
    assert any("gunicorn" in cmd for cmd in running.values()), running
    assert any("worker" in cmd for cmd in running.values()), running
    assert any("beat" in cmd for cmd in running.values()), running

    # when
    run.process.send_signal(signal.SIGINT)

    # then
    assert run.process.wait(timeout=60) == 0, run.text()
    assert "conveyor: stopped" in run.text()
    wait_until(lambda: not run.processes(), timeout=10, message="no child process left")


def test_a_child_that_dies_stops_the_rest_and_fails(start_local: Callable[..., LocalRun]) -> None:
    # given
    run = start_local("--no-demo")
    run.wait_for("Press Ctrl-C to stop.", timeout=120)
    beat = [pid for pid, cmd in run.processes().items() if "beat" in cmd.split()]
    assert len(beat) == 1, run.processes()

    # when
    os.kill(beat[0], signal.SIGKILL)

    # then
    assert run.process.wait(timeout=60) == 1, run.text()
    assert "beat exited unexpectedly" in run.text()
    assert "logs/beat.log" in run.text()
    wait_until(lambda: not run.processes(), timeout=10, message="no child process left")


def answers(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:
        return bool(response.status == 200)


@pytest.fixture
def other_server(tmp_path: Path) -> Iterator[int]:
    """Another HTTP server on a port, one that even answers ``GET /readyz`` with 200."""
    root = tmp_path / "other"
    root.mkdir()
    (root / "readyz").write_text('{"status": "ok"}')
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "-d", str(root), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{port}/readyz"), timeout=30)
        yield port
    finally:
        server.kill()
        server.wait(10)


def test_a_port_in_use_is_reported_at_once(
    start_local: Callable[..., LocalRun], other_server: int
) -> None:
    # when
    run = start_local(port=other_server)

    # then: one clear line and a prompt failure, not the other server taken for ours
    assert run.process.wait(timeout=30) == 2, run.text()
    assert f"conveyor: port {other_server} is in use; use --port N" in run.text()
    assert "the API is ready" not in run.text()
    assert not run.processes()


def test_an_api_that_dies_at_start_up_is_named_with_its_log(
    start_local: Callable[..., LocalRun],
) -> None:
    # when: gunicorn cannot load its worker class, so it exits as it starts
    run = start_local("--no-demo", GUNICORN_WORKER_CLASS="no.such.WorkerClass")

    # then
    assert run.process.wait(timeout=180) == 1, run.text()
    text = run.text()
    assert "api exited unexpectedly" in text
    assert "var/logs/api.log" in text
    assert "  api | " in text
    assert "No module named 'no'" in text
    assert "the API is ready" not in text
    wait_until(lambda: not run.processes(), timeout=10, message="no child process left")


def test_a_workflow_runs_on_the_embedded_default(start_local: Callable[..., LocalRun]) -> None:
    """SQLite and the embedded broker: the release needs no row locks there (SQLite
    writes one transaction at a time) and the fan-in still runs once, with each result."""
    # given
    run = start_local()
    run.wait_for("Press Ctrl-C to stop.", timeout=240)
    base = f"http://127.0.0.1:{run.port}"
    key = (run.data_dir / "demo_api_key").read_text().strip()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    body = {
        "jobs": [
            {"id": "split", "type": "demo.noop"},
            *({"id": f"part-{n}", "type": "demo.noop", "depends_on": ["split"]} for n in range(4)),
            {
                "id": "join",
                "type": "demo.gather",
                "depends_on": [f"part-{n}" for n in range(4)],
                "results_param": "inputs",
            },
        ]
    }
    # when
    request = urllib.request.Request(
        f"{base}/v1/workflows", data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        workflow_id = json.load(response)["id"]

    def ended() -> dict[str, Any] | None:
        request = urllib.request.Request(f"{base}/v1/workflows/{workflow_id}", headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            got: dict[str, Any] = json.load(response)
        return got if got["state"] != "running" else None

    workflow = wait_until(ended, timeout=120, interval=0.5, message="the workflow to end")
    # then
    assert isinstance(workflow, dict)
    assert workflow["state"] == "succeeded", workflow
    (join,) = [s["job"] for s in workflow["jobs"] if s["id"] == "join"]
    assert join["result"] == {"inputs": 4, "succeeded": 4}
    assert join["attempts"] == 1
    run.process.send_signal(signal.SIGINT)
    assert run.process.wait(timeout=60) == 0, run.text()
