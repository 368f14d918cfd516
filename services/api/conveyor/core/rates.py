"""A rate limit as written by people (``10/s``, ``100/m``, ``5/10s``) and as code uses it.

Light on purpose (stdlib only): job type modules import it to declare their limits, and
the settings parse their environment variables with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

UNITS = {"s": 1, "m": 60, "h": 3600}
# A ceiling that keeps the sliding window (one row per start) small.
MAX_JOBS = 100_000
_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smh])\s*$")
# Words that lift a limit a job type declares (CONVEYOR_TYPE_RATE_LIMITS only).
NO_LIMIT = frozenset({"none", "off", "unlimited"})


class RateLimitSyntaxError(ValueError):
    """A rate limit that cannot be read."""


@dataclass(frozen=True)
class Rate:
    """At most ``jobs`` starts in any window of ``period``."""

    jobs: int
    period: timedelta

    def __post_init__(self) -> None:
        if not 1 <= self.jobs <= MAX_JOBS:
            raise RateLimitSyntaxError(f"a rate limit allows 1 to {MAX_JOBS} jobs per period")
        if self.period <= timedelta(0):
            raise RateLimitSyntaxError("a rate limit's period must be positive")

    @property
    def spacing(self) -> timedelta:
        """The average time between two starts at the full rate."""
        return self.period / self.jobs

    def __str__(self) -> str:
        seconds = int(self.period.total_seconds())
        for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
            if seconds % size == 0:
                count = seconds // size
                return f"{self.jobs}/{'' if count == 1 else count}{unit}"
        raise AssertionError("unreachable: periods are whole seconds")


def parse_rate(text: str) -> Rate:
    """``"10/s"`` → 10 jobs per second; also ``/m``, ``/h`` and ``5/10s`` (per 10 seconds)."""
    match = _PATTERN.match(text)
    if match is None:
        raise RateLimitSyntaxError(
            f"{text!r} is not a rate limit: write <jobs>/<period>, "
            "e.g. 10/s, 100/m, 1000/h or 5/10s"
        )
    jobs, count, unit = match.groups()
    multiple = int(count) if count else 1
    if multiple < 1:
        raise RateLimitSyntaxError(f"{text!r}: the period must be at least 1{unit}")
    try:
        return Rate(jobs=int(jobs), period=timedelta(seconds=multiple * UNITS[unit]))
    except RateLimitSyntaxError as exc:
        raise RateLimitSyntaxError(f"{text!r}: {exc}") from None


def parse_rate_map(text: str, *, allow_none: bool = False) -> dict[str, Rate | None]:
    """``"http=10/s,reports=100/m"`` → ``{"http": 10/s, "reports": 100/m}``.

    With ``allow_none``, a value of ``none`` (or ``off``) maps a name to None: no limit.
    """
    limits: dict[str, Rate | None] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, value = (piece.strip() for piece in item.partition("="))
        if not sep or not name or not value:
            raise RateLimitSyntaxError(f"{item!r} is not <name>=<rate limit>, e.g. http=10/s")
        if name in limits:
            raise RateLimitSyntaxError(f"{name!r} is given twice")
        if allow_none and value.lower() in NO_LIMIT:
            limits[name] = None
            continue
        limits[name] = parse_rate(value)
    return limits
