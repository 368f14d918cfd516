"""Rate limits shared by every worker (docs/rate-limits.md): per queue, per job type."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from conveyor.config.env import env_str
from conveyor.core.rates import Rate, RateLimitSyntaxError, parse_rate_map


def _limits(name: str, *, allow_none: bool) -> dict[str, Rate | None]:
    raw = env_str(name, "")
    try:
        return parse_rate_map(raw, allow_none=allow_none)
    except RateLimitSyntaxError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}.") from None


# At most so many job starts per queue, across all workers: "http=10/s,reports=100/m".
CONVEYOR_QUEUE_RATE_LIMITS: dict[str, Rate] = {
    queue: rate
    for queue, rate in _limits("CONVEYOR_QUEUE_RATE_LIMITS", allow_none=False).items()
    if rate is not None
}
# Per job type, replacing what the type declares ("none" lifts it): "http.request=10/s".
CONVEYOR_TYPE_RATE_LIMITS: dict[str, Rate | None] = _limits(
    "CONVEYOR_TYPE_RATE_LIMITS", allow_none=True
)
