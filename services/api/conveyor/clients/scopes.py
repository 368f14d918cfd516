"""The scopes an API key can hold."""

from __future__ import annotations

JOBS_READ = "jobs:read"
JOBS_WRITE = "jobs:write"
QUEUES_READ = "queues:read"

ALL_SCOPES: tuple[str, ...] = (JOBS_READ, JOBS_WRITE, QUEUES_READ)
# What a new client gets unless told otherwise. queues:read shows every client's counts
# per queue (for operators and KEDA), so it is granted explicitly.
DEFAULT_SCOPES: tuple[str, ...] = (JOBS_READ, JOBS_WRITE)
