"""The scopes an API key can hold."""

from __future__ import annotations

JOBS_READ = "jobs:read"
JOBS_WRITE = "jobs:write"
QUEUES_READ = "queues:read"

ALL_SCOPES: tuple[str, ...] = (JOBS_READ, JOBS_WRITE, QUEUES_READ)
