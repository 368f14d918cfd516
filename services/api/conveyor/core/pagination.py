"""Cursor pagination: stable under inserts, no counting of the whole table."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from rest_framework import exceptions, serializers
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

#: Items per page when ``limit`` is not given, and the most ``limit`` may ask for.
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class CreatedCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = DEFAULT_LIMIT
    page_size_query_param = "limit"
    max_page_size = MAX_LIMIT

    def get_page_size(self, request: Request) -> int:
        """``limit``, refused with a 400 unless a whole number from 1 to ``MAX_LIMIT``
        (DRF would quietly take the default for ``limit=x`` and cap ``limit=9999``)."""
        given = request.query_params.get("limit")
        if given is None:
            return DEFAULT_LIMIT
        if not given.isascii() or not given.isdigit() or not 1 <= int(given) <= MAX_LIMIT:
            raise serializers.ValidationError(
                {"limit": [f"limit is a whole number from 1 to {MAX_LIMIT}; got {given!r}."]}
            )
        return int(given)

    def decode_cursor(self, request: Request) -> Cursor | None:
        """DRF's cursor, refused with a 400 naming ``cursor`` unless it is one this API
        could have made: DRF answers a garbled one 404, and takes any text as the position,
        which the database then fails to compare with ``created_at`` (a 500)."""
        try:
            cursor: Cursor | None = super().decode_cursor(request)
        except exceptions.NotFound:
            cursor = None
            valid = False
        else:
            valid = cursor is None or cursor.position is None or _is_time(str(cursor.position))
        if not valid:
            raise serializers.ValidationError(
                {"cursor": ["Not a cursor of this list; use a next or previous link as given."]}
            )
        return cursor


def _is_time(text: str) -> bool:
    try:
        return parse_datetime(text) is not None
    except ValueError:
        return False
