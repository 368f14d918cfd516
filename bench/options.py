"""What one run is told: where the services are, how long to load, how big each side is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Options:
    # Services (local only): any database on the PostgreSQL server, Redis, RabbitMQ.
    postgres_url: str
    redis_url: str
    rabbitmq_url: str
    # The brokers measured, one after the other ("redis", "rabbitmq").
    brokers: tuple[str, ...]
    # The submit and batch scenarios: clients, warm-up and measured window.
    concurrency: int
    warmup_seconds: float
    duration_seconds: float
    # The batch scenario: jobs per request.
    batch_size: int
    # The drain scenario: jobs in the backlog.
    jobs: int
    # The round-trip scenario: sequential submit-and-wait round trips (after a warm-up).
    round_trips: int
    # The cost scenario: submissions counted under callgrind (after a warm-up).
    cost_requests: int
    # Sizes, the same on every side: gunicorn workers and threads, celery prefork processes.
    api_workers: int
    api_threads: int
    worker_concurrency: int
    # Every scenario runs on every side this many times; the table shows medians.
    rounds: int
    # Where the processes' logs (and conveyor's data dir) go for this run.
    work_dir: Path
