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

from conveyor.core.documents import MAX_DEPTH, check_document, refusal, too_deep

# Only a \u escape can put U+0000 or a surrogate into a parsed string (JSON refuses raw
# control characters, and a surrogate cannot be valid UTF-8). Bodies without one, and
# with too few brackets to nest MAX_DEPTH deep, are not walked.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


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
            raise refusal(
                "", f"Arrays and objects may be nested at most {MAX_DEPTH} deep.", "max_depth"
            ) from None
        # The shortcut reads UTF-8 bytes; a body in another charset (``charset=utf-16``)
        # is always walked.
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        utf8 = codecs.lookup(encoding).name == "utf-8"
        if not utf8 or _SUSPECT_ESCAPE.search(raw):
            check_document(data)
        elif raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and too_deep(data):
            check_document(data)  # names the field
        return data
