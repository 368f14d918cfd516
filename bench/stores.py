"""The PostgreSQL databases and Redis keys a run creates, and their removal."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
from psycopg import sql

# Keys are deleted in batches of this many, so a large backlog never blocks Redis.
_DELETE_BATCH = 500


def run_id() -> str:
    """A short random name part that keeps one run's databases and keys apart."""
    return secrets.token_hex(4)


def database_url(server_url: str, name: str) -> str:
    """``server_url`` (any database on the server) pointed at database ``name``."""
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def postgres_database(server_url: str, name: str) -> Iterator[str]:
    """Create database ``name``, yield its URL, and drop it (even with clients connected)."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url(server_url, name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def delete_keys(client: redis.Redis, prefix: str) -> int:
    """Delete every key under ``prefix``; how many there were."""
    if not prefix or any(c in prefix for c in "*?[]\\"):
        raise ValueError(f"refusing to delete keys under the prefix {prefix!r}")
    deleted = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=f"{prefix}*", count=_DELETE_BATCH):
        batch.append(key)
        if len(batch) >= _DELETE_BATCH:
            deleted += int(client.delete(*batch))
            batch.clear()
    if batch:
        deleted += int(client.delete(*batch))
    return deleted


@contextmanager
def redis_prefix(client: redis.Redis, prefix: str) -> Iterator[str]:
    """Yield ``prefix`` for a side to use; delete every key under it on the way out."""
    try:
        yield prefix
    finally:
        delete_keys(client, prefix)
