"""What ``make run`` prints: its one-line messages, the live table of the demo jobs, and
the closing summary of what runs and how to use it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from typing import Any, TextIO

from conveyor.clients.scopes import ALL_SCOPES
from conveyor.devserver.datadir import Credentials, DataDir
from conveyor.jobs.states import FINAL_STATES, JobState

# What an interactive terminal needs to redraw the table in place.
CURSOR_UP = "\x1b[{n}F"
CLEAR_LINE = "\x1b[2K"
COLORS: dict[str, str] = {
    JobState.SUCCEEDED: "32",
    JobState.FAILED: "31",
    JobState.CANCELLED: "35",
    JobState.CANCELLING: "35",
    JobState.RUNNING: "33",
    JobState.RETRYING: "36",
    JobState.QUEUED: "2",
    JobState.SCHEDULED: "2",
    JobState.BLOCKED: "2",
}


def say(out: TextIO, message: str) -> None:
    out.write(f"conveyor: {message}\n")
    out.flush()


class Table:
    """The demo jobs, redrawn in place on a terminal, or one line per change otherwise."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.live = out.isatty()
        self.color = self.live and not os.environ.get("NO_COLOR")
        self.drawn = 0
        self.seen: dict[str, str] = {}

    def show(self, jobs: Sequence[dict[str, Any]]) -> None:
        if self.live:
            self._redraw(jobs)
        else:
            self._changes(jobs)

    def _redraw(self, jobs: Sequence[dict[str, Any]]) -> None:
        width = shutil.get_terminal_size((100, 20)).columns - 1
        lines = [f"  {'JOB':<10}{'TYPE':<14}{'STATE':<12}{'TRY':<6}PROGRESS"]
        lines += [self._row(job) for job in jobs]
        text = "".join(f"{CLEAR_LINE}{self._paint(line, width)}\n" for line in lines)
        if self.drawn:
            self.out.write(CURSOR_UP.format(n=self.drawn))
        self.out.write(text)
        self.out.flush()
        self.drawn = len(lines)

    def _row(self, job: dict[str, Any]) -> str:
        state = job["state"]
        attempt = f"{job['attempts']}/{job['max_attempts']}"
        percent = (job.get("progress") or {}).get("percent")
        message = (job.get("progress") or {}).get("message") or ""
        if job.get("error"):
            detail = f"{job['error']['type']}: {job['error']['message']}"
        elif state in {JobState.QUEUED, JobState.SCHEDULED}:
            detail = "waiting for a worker"
        elif percent is None:
            detail = "…" if state == JobState.RUNNING else ""
        else:
            filled = round(percent / 10)
            detail = f"{'█' * filled}{'░' * (10 - filled)} {percent:3.0f}%  {message}"
        return f"  {job['id'][:8]:<10}{job['type']:<14}\0{state:<12}\0{attempt:<6}{detail}"

    def _paint(self, line: str, width: int) -> str:
        """Cut to the terminal's width (a wrapped line breaks the redraw), color the state."""
        plain = line.replace("\0", "")
        if len(plain) > width:
            plain = plain[: width - 1] + "…"
        if not self.color or "\0" not in line:
            return plain
        before, state, _ = line.split("\0", 2)
        code = COLORS.get(state.strip(), "0")
        start = len(before)
        return (
            plain[:start]
            + f"\x1b[{code}m"
            + plain[start : start + len(state)]
            + "\x1b[0m"
            + plain[start + len(state) :]
        )

    def _changes(self, jobs: Sequence[dict[str, Any]]) -> None:
        for job in jobs:
            state = job["state"]
            before = self.seen.get(job["id"])
            if before == state:
                continue
            self.seen[job["id"]] = state
            move = f"{before} -> {state}" if before else state
            extra = ""
            if job.get("error") and state in FINAL_STATES:
                extra = f"  ({job['error']['type']}: {job['error']['message']})"
            self.out.write(f"  {job['id'][:8]}  {job['type']:<13} {move}{extra}\n")
        self.out.flush()


def summary(base: str, creds: Credentials, data: DataDir) -> str:
    key_file = data.show(data.api_key)
    admin_file = data.show(data.admin)
    logs = data.show(data.logs)
    return f"""
conveyor is running.

  API        {base}/v1/
  API docs   {base}/v1/docs
  dashboard  {base}/dashboard/   (log in as the admin user)
  admin      {base}/admin/   user {creds.admin_username}   password {creds.admin_password}
             (kept in {admin_file})
  API key    {creds.api_key}
             (scopes {", ".join(ALL_SCOPES)}; kept in {key_file})
  logs       {logs}/api.log, worker.log, beat.log

Submit a job and read it:

  export CONVEYOR_KEY=$(cat {key_file})
  JOB=$(curl -s -X POST {base}/v1/jobs -H "Authorization: Bearer $CONVEYOR_KEY" \\
    -H 'Content-Type: application/json' \\
    -d '{{"type": "demo.sleep", "params": {{"seconds": 5, "steps": 5}}}}' \\
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  curl -s "{base}/v1/jobs/$JOB" -H "Authorization: Bearer $CONVEYOR_KEY"

Press Ctrl-C to stop.
"""
