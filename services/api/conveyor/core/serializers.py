"""Serializer bases shared by every resource."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, ClassVar

from django.http import QueryDict
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict


class FieldsOnceSerializer(serializers.Serializer[Any]):
    """A serializer whose fields are built once per class, not per request.

    DRF builds a serializer's fields for every instance it creates, deep-copying each
    declared field: for a job's twenty output fields that is most of the cost of rendering
    one job, and three quarters of validating a submission. Rendering and validating read
    the fields and never change them (errors and results live on the serializer), so one
    set, bound to a context-free prototype, serves every instance of the class, in every
    thread. A serializer that needs its own binding builds its own fields, as DRF does:
    one given a ``context`` (fields may read it through their root), a partial one
    (fields read ``root.partial``), and one updating an instance (validators may read
    ``parent.instance``).
    """

    _fields_by_class: ClassVar[dict[type[Any], BindingDict]] = {}

    @cached_property
    def fields(self) -> BindingDict:  # type: ignore[override]
        updating = self.instance is not None and hasattr(self, "initial_data")
        if self._context or self.partial or updating:
            return self._build_fields()
        cls = type(self)
        shared = self._fields_by_class.get(cls)
        if shared is None:
            # Two threads may both build it: the first stored wins, the other is dropped.
            shared = self._fields_by_class.setdefault(cls, cls()._build_fields())
        return shared

    def _build_fields(self) -> BindingDict:
        """DRF's own ``Serializer.fields``: the fields bound to this instance."""
        fields = BindingDict(self)
        for name, field in self.get_fields().items():
            fields[name] = field
        return fields


class StrictInputSerializer(FieldsOnceSerializer):
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
            # DRF reads an empty optional parameter (`type=`) as an absent one: a filter
            # that silently filters nothing. Refuse it instead.
            blank = sorted(name for name in data if "" in data.getlist(name))
            if blank:
                raise serializers.ValidationError(
                    {name: ["Give a value, or leave the parameter out."] for name in blank}
                )
        elif isinstance(data, Mapping):
            data = {k: v for k, v in data.items() if k not in self.allowed_extra}
        return super().to_internal_value(data)


class JsonBooleanField(serializers.BooleanField):
    """A JSON boolean, ``true`` or ``false`` only: DRF's BooleanField also takes ``0``,
    ``"yes"`` or ``"on"``, which the schema (``type: boolean``) does not allow."""

    default_error_messages = {"invalid": "Must be true or false (a JSON boolean)."}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)
        raise AssertionError("unreachable")  # fail() raises


class JsonStringField(serializers.CharField):
    """A JSON string only: DRF's CharField also takes a number (``0`` becomes ``"0"``),
    which the schema (``type: string``) does not allow."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return str(super().to_internal_value(data))
