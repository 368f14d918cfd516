"""What one run is told: where the services are, how long to load, how big each side is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Options:
    # Services (local only): any database on the PostgreSQL server, and a Redis URL.
    postgres_url: str
    redis_url: str
    # The submit scenario: clients, warm-up and measured window.
    concurrency: int
    warmup_seconds: float
    duration_seconds: float
    # The drain scenario: jobs in the backlog.
    jobs: int
    # Sizes, the same on every side: gunicorn workers and threads, celery prefork processes.
    api_workers: int
    api_threads: int
    worker_concurrency: int
    # Every scenario runs on every side this many times; the table shows medians.
    rounds: int
    # Where the processes' logs (and conveyor's data dir) go for this run.
    work_dir: Path
