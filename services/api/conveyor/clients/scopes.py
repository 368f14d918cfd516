"""The scopes an API key can hold."""

from __future__ import annotations

JOBS_READ = "jobs:read"
JOBS_WRITE = "jobs:write"
QUEUES_READ = "queues:read"
SCHEDULES_READ = "schedules:read"
SCHEDULES_WRITE = "schedules:write"

ALL_SCOPES: tuple[str, ...] = (
    JOBS_READ,
    JOBS_WRITE,
    QUEUES_READ,
    SCHEDULES_READ,
    SCHEDULES_WRITE,
)
# What a new client gets unless told otherwise. queues:read shows every client's counts
# per queue (for operators and KEDA), so it is granted explicitly. A client's schedules are
# its own, like its jobs.
DEFAULT_SCOPES: tuple[str, ...] = (JOBS_READ, JOBS_WRITE, SCHEDULES_READ, SCHEDULES_WRITE)
