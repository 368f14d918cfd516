"""Cursor pagination: stable under inserts, no counting of the whole table."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.pagination import CursorPagination
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
