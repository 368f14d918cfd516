"""The API's JSON parser (conveyor/core/parsers.py), without a database: what it refuses
never reaches one, so SQLite and PostgreSQL deployments are protected alike."""

from __future__ import annotations

import io
from typing import Any

import pytest

from conveyor.core.documents import MAX_DEPTH
from conveyor.core.errors import InvalidInput
from conveyor.core.parsers import ConveyorJSONParser


def parse(text: str) -> Any:
    return ConveyorJSONParser().parse(io.BytesIO(text.encode()), "application/json", {})


def refused_field(text: str) -> str:
    with pytest.raises(InvalidInput) as refused:
        parse(text)
    (error,) = refused.value.errors
    return error["field"]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (r'{"a": "\ud800"}', "a"),
        (r'{"a": {"b": ["ok", "\uDFFF"]}}', "a.b[1]"),
        (r'{"a": {"\udc00x": 1}}', "a"),
        (r'{"a": "x\u0000"}', "a"),
        (r'["\ud800"]', "[0]"),
        ('{"a": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}", "a" + "[0]" * (MAX_DEPTH - 1)),
        ("[" * 100_000 + "]" * 100_000, ""),
    ],
    ids=["surrogate", "low surrogate", "surrogate key", "NUL", "top array", "depth", "deep"],
)
def test_what_cannot_be_stored_is_refused_naming_the_field(text: str, field: str) -> None:
    assert refused_field(text) == field


@pytest.mark.parametrize(
    "text",
    [
        r'{"a": "\ud83d\ude00"}',  # a surrogate pair: one character
        r'{"a": "\\u0000 is how JSON writes NUL"}',  # an escaped backslash, no NUL
        '{"a": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}",
        '{"jobs": [' + ",".join(['{"type": "demo.noop", "labels": {}}'] * 200) + "]}",
    ],
    ids=["pair", "escaped backslash", "at the limit", "wide"],
)
def test_valid_documents_pass(text: str) -> None:
    parse(text)


def test_a_body_in_another_charset_is_checked_too() -> None:
    # the escape is not visible as UTF-8 bytes in a UTF-16 body
    raw = r'{"a": "x\u0000"}'.encode("utf-16")

    with pytest.raises(InvalidInput) as refused:
        ConveyorJSONParser().parse(io.BytesIO(raw), "application/json", {"encoding": "utf-16"})

    assert refused.value.errors[0]["field"] == "a"
