"""When to send a request again: after a 429 or a 503, with exponential backoff and full
jitter, waiting at least what ``Retry-After`` asks."""

from __future__ import annotations

import random
from dataclasses import dataclass

RETRIED_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class Retry:
    """``attempts`` sends in all; the delay before send n+1 is a random part of
    ``backoff * factor**(n-1)`` (capped at ``max_delay``), or ``Retry-After`` if longer."""

    attempts: int = 5
    backoff: float = 0.5
    factor: float = 2.0
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        nominal = min(self.backoff * self.factor ** (attempt - 1), self.max_delay)
        jittered = random.uniform(0, nominal)
        return max(jittered, min(retry_after or 0.0, self.max_delay))


NO_RETRY = Retry(attempts=1)
