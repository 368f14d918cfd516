"""The API's JSON parser: DRF's, plus what a JSON document may hold and conveyor may not.

- **Nesting** is at most ``MAX_DEPTH`` arrays and objects deep. Python's ``json`` recurses
  once per level: a body nested a thousand deep raised ``RecursionError`` (a 500) before,
  and nothing conveyor takes needs more than a few levels.
- **Text PostgreSQL cannot store**: ``jsonb`` and ``text`` refuse U+0000, and a lone
  surrogate (``"\\ud800"``, which JSON's escapes allow and UTF-8 cannot encode) fails
  the insert on PostgreSQL, and on SQLite is stored and then breaks every read of the row.

Each is a 400 problem+json naming the field (``params.body``, ``jobs[3].labels.k``), raised
before any view sees the body, so nothing is stored, for every resource alike: jobs,
batches, schedules.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.parsers import JSONParser

from conveyor.core.errors import InvalidInput

#: Arrays and objects nested in each other, the body itself counting as one.
MAX_DEPTH = 64

# Only a \u escape can put U+0000 or a surrogate into a parsed string (JSON refuses raw
# control characters, and a surrogate cannot be valid UTF-8). Bodies without one, and
# with too few brackets to nest MAX_DEPTH deep, are not walked.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
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


def _refuse(field: str, message: str, code: str) -> InvalidInput:
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
                raise _refuse(path, *bad)
        elif isinstance(value, Mapping | list):
            if depth > max_depth:
                raise _refuse(
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
                        raise _refuse(path, f"A key: {bad[0]}", bad[1])
            else:
                items = list(enumerate(value))
            # Reversed: the first offending field in document order is the one reported.
            stack.extend((item, _join(path, key), depth + 1) for key, item in reversed(items))


class ConveyorJSONParser(JSONParser):
    """DRF's JSON parser, refusing what ``check_document`` refuses."""

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        raw = stream.read()
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            # Deeper than the interpreter recurses: far past MAX_DEPTH, no field to name.
            raise _refuse(
                "", f"Arrays and objects may be nested at most {MAX_DEPTH} deep.", "max_depth"
            ) from None
        # The shortcut reads UTF-8 bytes; a body in another charset (``charset=utf-16``)
        # is always walked.
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        utf8 = codecs.lookup(encoding).name == "utf-8"
        brackets = raw.count(b"[") + raw.count(b"{")
        if not utf8 or brackets > MAX_DEPTH or _SUSPECT_ESCAPE.search(raw):
            check_document(data)
        return data
