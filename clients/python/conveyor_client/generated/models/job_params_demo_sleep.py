from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="JobParamsDemoSleep")


@_attrs_define
class JobParamsDemoSleep:
    """
    Attributes:
        seconds (float): how long to sleep
        steps (int | Unset): progress updates along the way Default: 10.
    """

    seconds: float
    steps: int | Unset = 10

    def to_dict(self) -> dict[str, Any]:
        seconds = self.seconds

        steps = self.steps

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "seconds": seconds,
            }
        )
        if steps is not UNSET:
            field_dict["steps"] = steps

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        seconds = d.pop("seconds")

        steps = d.pop("steps", UNSET)

        job_params_demo_sleep = cls(
            seconds=seconds,
            steps=steps,
        )

        return job_params_demo_sleep
