"""Serializer bases shared by every resource."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from rest_framework import serializers


class StrictInputSerializer(serializers.Serializer[Any]):
    """An input serializer that refuses fields it does not know (typos are errors)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [f"Unknown field {name!r}."] for name in unknown}
                )
        return super().to_internal_value(data)


class StrictQuerySerializer(StrictInputSerializer):
    """Query parameters: unknown names are errors; ``allowed_extra`` are handled elsewhere."""

    allowed_extra: tuple[str, ...] = ()

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, QueryDict):
            # Stay a QueryDict: list fields read every value of a repeated parameter
            # through getlist(); a plain dict would keep only the last one.
            data = data.copy()
            for name in self.allowed_extra:
                data.pop(name, None)
        elif isinstance(data, Mapping):
            data = {k: v for k, v in data.items() if k not in self.allowed_extra}
        return super().to_internal_value(data)
