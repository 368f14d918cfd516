"""Each API process remembers, for a few seconds, which client a valid API key belongs to.

Without it every request costs a query (the client by key prefix) before any work; with
it, a client sending requests back to back costs one query per
``CONVEYOR_API_KEY_CACHE_SECONDS`` per process.

Security:

- Entries are keyed by the SHA-256 of the key that was presented and checked, so the
  cache holds no key, and a lookup reveals nothing beyond a hash-table lookup: only the
  exact key (whose digest a hit needs) can hit. Keys that failed are never remembered.
- A key revoked, or a client deleted or changed, through ``api_client_revoke`` or the
  admin is forgotten at once in the process that did it; every other API process keeps
  accepting it for at most the cache time, and then asks the database again.
- Entries are bounded in number (oldest out first), so a flood of valid keys cannot grow
  the process.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from conveyor.clients.models import ApiClient

MAX_ENTRIES = 10_000


@dataclass
class ApiKeyCache:
    """Key digest -> (client, expiry), thread-safe, per process."""

    max_entries: int = MAX_ENTRIES
    # Monotonic seconds; a test may advance it.
    clock: Callable[[], float] = time.monotonic
    _entries: OrderedDict[str, tuple[ApiClient, float]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, digest: str) -> ApiClient | None:
        """A copy of the client remembered for this key digest, if not expired."""
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            client, expires = entry
            if self.clock() >= expires:
                del self._entries[digest]
                return None
        # A copy per request: a view may set attributes on request.user.
        return copy.copy(client)

    def put(self, digest: str, client: ApiClient, *, seconds: float) -> None:
        if seconds <= 0:
            return
        with self._lock:
            self._entries[digest] = (copy.copy(client), self.clock() + seconds)
            self._entries.move_to_end(digest)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, client_id: int) -> None:
        """Drop every entry of this client (revoked, deleted or changed)."""
        with self._lock:
            for digest in [d for d, (c, _) in self._entries.items() if c.pk == client_id]:
                del self._entries[digest]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# The process's cache (gunicorn threads share it; each process has its own).
key_cache = ApiKeyCache()
