"""Reading settings from the environment: one resolution path, explicit errors."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str | None = None) -> str:
    """The variable's value, or ``default``; a missing required variable is an error."""
    value = os.environ.get(name)
    if value is not None and value != "":
        return value
    if default is None:
        raise ImproperlyConfigured(
            f"{name} is not set. Set it in the environment (see docs/configuration.md)."
        )
    return default


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below its minimum {minimum}.")
    return value


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None


def env_seconds(name: str, default: float) -> timedelta:
    """A duration given in seconds in the environment, as a ``timedelta``."""
    return timedelta(seconds=env_float(name, default))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false).")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir() -> Path:
    """Where the embedded default keeps its SQLite files: ``CONVEYOR_DATA_DIR`` or ``./var``."""
    return Path(env_str("CONVEYOR_DATA_DIR", str(Path.cwd() / "var"))).resolve()
