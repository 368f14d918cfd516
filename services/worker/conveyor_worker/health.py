"""The worker's liveness probe: ``python -m conveyor_worker.health [--max-age SECONDS]``.

It only reads the heartbeat file's age (see heartbeat.py), so it costs a few
milliseconds, never touches the broker and never imports Django or Celery. It exits 0
when the worker consumed its own ping recently, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_MAX_AGE_SECONDS = 60.0


def heartbeat_path() -> Path:
    """``CONVEYOR_HEARTBEAT_FILE``, or ``conveyor-worker.heartbeat`` in the temp directory."""
    configured = os.environ.get("CONVEYOR_HEARTBEAT_FILE")
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / "conveyor-worker.heartbeat"


def heartbeat_age(path: Path) -> float | None:
    try:
        return max(0.0, time.time() - path.stat().st_mtime)
    except FileNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--max-age",
        type=float,
        default=float(
            os.environ.get("CONVEYOR_HEARTBEAT_MAX_AGE_SECONDS", DEFAULT_MAX_AGE_SECONDS)
        ),
    )
    parser.add_argument("--file", type=Path, default=None)
    args = parser.parse_args(argv)
    path = args.file or heartbeat_path()
    age = heartbeat_age(path)
    if age is None:
        print(f"not alive: no heartbeat file at {path} (worker not consuming yet?)")
        return 1
    if age > args.max_age:
        print(
            f"not alive: last heartbeat {age:.0f}s ago (limit {args.max_age:.0f}s); the "
            "worker has stopped consuming"
        )
        return 1
    print(f"alive: last heartbeat {age:.1f}s ago")
    return 0


if __name__ == "__main__":
    sys.exit(main())
