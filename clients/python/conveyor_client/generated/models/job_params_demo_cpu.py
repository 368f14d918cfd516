from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="JobParamsDemoCpu")


@_attrs_define
class JobParamsDemoCpu:
    """
    Attributes:
        iterations (int): SHA-256 rounds to compute
    """

    iterations: int

    def to_dict(self) -> dict[str, Any]:
        iterations = self.iterations

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "iterations": iterations,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        iterations = d.pop("iterations")

        job_params_demo_cpu = cls(
            iterations=iterations,
        )

        return job_params_demo_cpu
