"""What a JSON document conveyor stores may hold: no U+0000, no lone surrogate, nesting at
most ``MAX_DEPTH`` deep. ``check_document`` names the first field that breaks a rule.

Free of DRF, so the domain (``jobs/services.py``, which the worker imports) checks params
with it too; the API's JSON parser (``core/parsers.py``) checks every body with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from conveyor.core.errors import InvalidInput

#: Arrays and objects nested in each other, the body itself counting as one.
MAX_DEPTH = 64

_SURROGATE = re.compile("[\ud800-\udfff]")


def _bad_text(text: str) -> tuple[str, str] | None:
    """(message, code) if ``text`` holds a character conveyor cannot store, else None."""
    if "\x00" in text:
        return "Null characters are not allowed.", "null_characters_not_allowed"
    if _SURROGATE.search(text):
        return (
            "Lone surrogates (\\ud800 to \\udfff not in a pair) are not allowed.",
            "surrogate_characters_not_allowed",
        )
    return None


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def refusal(field: str, message: str, code: str) -> InvalidInput:
    return InvalidInput(
        "The request body holds a value conveyor cannot take; see errors.",
        errors=[{"field": field, "message": message, "code": code}],
    )


def check_document(data: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Raise ``InvalidInput`` naming the first field nested too deep or holding text that
    cannot be stored. Iterative: the check itself cannot recurse too deep."""
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            bad = _bad_text(value)
            if bad is not None:
                raise refusal(path, *bad)
        elif isinstance(value, Mapping | list):
            if depth > max_depth:
                raise refusal(
                    path,
                    f"Arrays and objects may be nested at most {max_depth} deep.",
                    "max_depth",
                )
            if isinstance(value, Mapping):
                items: list[tuple[str | int, Any]] = list(value.items())
                for key, _ in items:
                    bad = _bad_text(str(key))
                    if bad is not None:
                        # The key itself cannot be shown; its object is named.
                        raise refusal(path, f"A key: {bad[0]}", bad[1])
            else:
                items = list(enumerate(value))
            # Reversed: the first offending field in document order is the one reported.
            stack.extend((item, _join(path, key), depth + 1) for key, item in reversed(items))


def too_deep(data: Any, *, max_depth: int = MAX_DEPTH) -> bool:
    """Whether arrays and objects nest more than ``max_depth`` deep: a walk of the
    containers alone, without paths, for bodies with no text to check (a 1,000-job batch
    costs a few milliseconds less than ``check_document``)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False
