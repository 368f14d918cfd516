from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="JobParamsDemoFanout")


@_attrs_define
class JobParamsDemoFanout:
    """
    Attributes:
        parts (int): how many demo.sleep jobs to spawn
        seconds (float | Unset): how long each part sleeps Default: 0.1.
    """

    parts: int
    seconds: float | Unset = 0.1

    def to_dict(self) -> dict[str, Any]:
        parts = self.parts

        seconds = self.seconds

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "parts": parts,
            }
        )
        if seconds is not UNSET:
            field_dict["seconds"] = seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        parts = d.pop("parts")

        seconds = d.pop("seconds", UNSET)

        job_params_demo_fanout = cls(
            parts=parts,
            seconds=seconds,
        )

        return job_params_demo_fanout
