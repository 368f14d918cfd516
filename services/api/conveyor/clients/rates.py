"""A request rate as DRF writes it (``50/s``, ``1000/m``), or ``none``.

Light on purpose: the settings validate CONVEYOR_THROTTLE_RATE with it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

#: The rate that lifts the throttle.
NO_LIMIT = "none"
#: DRF's periods: the first letter of the rate's unit.
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"50/s"`` → (50 requests, 1 second); ValueError if it is not a rate."""
    number, _, unit = rate.strip().partition("/")
    if not number.isdigit() or int(number) < 1 or not unit or unit[0] not in PERIODS:
        raise ValueError(f"{rate!r} is not a rate such as 50/s, 1000/m, 10000/h or 100000/d")
    return int(number), PERIODS[unit[0]]


def validate_rate(value: str) -> None:
    """The model field's validator: empty, ``none`` or a rate."""
    if value and value != NO_LIMIT:
        try:
            parse_rate(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
