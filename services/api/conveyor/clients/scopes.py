"""The scopes an API key can hold."""

from __future__ import annotations

import re
from collections.abc import Iterable

JOBS_READ = "jobs:read"
JOBS_WRITE = "jobs:write"
QUEUES_READ = "queues:read"
# Pausing and resuming a queue: it stops every client's jobs on it (operators only).
QUEUES_WRITE = "queues:write"
# The live workers and the jobs they run (every client's job ids: operators only).
WORKERS_READ = "workers:read"
SCHEDULES_READ = "schedules:read"
SCHEDULES_WRITE = "schedules:write"

ALL_SCOPES: tuple[str, ...] = (
    JOBS_READ,
    JOBS_WRITE,
    QUEUES_READ,
    QUEUES_WRITE,
    WORKERS_READ,
    SCHEDULES_READ,
    SCHEDULES_WRITE,
)
# What a new client gets unless told otherwise. queues:read shows every client's counts
# per queue (for operators and KEDA), so it is granted explicitly. A client's schedules are
# its own, like its jobs.
DEFAULT_SCOPES: tuple[str, ...] = (JOBS_READ, JOBS_WRITE, SCHEDULES_READ, SCHEDULES_WRITE)

KNOWN_SCOPES: frozenset[str] = frozenset(ALL_SCOPES)


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    """The names in ``scopes`` that are not scopes, sorted."""
    return sorted(set(scopes) - KNOWN_SCOPES)


def granted_scopes(stored: object) -> frozenset[str]:
    """The scopes a client's stored ``scopes`` grant: exact, known names only.

    The admin and ``api_client_create`` store a list of known names. A value stored any
    other way (a JSON string such as ``"jobs:read schedules:writeX"``, which a substring
    test would read as granting ``schedules:write``) grants its exact names, split on
    spaces and commas; unknown names grant nothing.
    """
    if isinstance(stored, str):
        names: Iterable[object] = re.split(r"[\s,]+", stored)
    elif isinstance(stored, list | tuple):
        names = stored
    else:
        return frozenset()
    return frozenset(n for n in names if isinstance(n, str)) & KNOWN_SCOPES
