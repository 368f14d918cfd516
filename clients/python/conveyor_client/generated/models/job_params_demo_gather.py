from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.job_params_demo_gather_inputs import JobParamsDemoGatherInputs


T = TypeVar("T", bound="JobParamsDemoGather")


@_attrs_define
class JobParamsDemoGather:
    """
    Attributes:
        inputs (JobParamsDemoGatherInputs): the outcomes of the jobs it depends on, by name (a workflow's
            results_param): {name: {state, result | error}}
    """

    inputs: JobParamsDemoGatherInputs

    def to_dict(self) -> dict[str, Any]:
        inputs = self.inputs.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "inputs": inputs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_params_demo_gather_inputs import JobParamsDemoGatherInputs

        d = dict(src_dict)
        inputs = JobParamsDemoGatherInputs.from_dict(d.pop("inputs"))

        job_params_demo_gather = cls(
            inputs=inputs,
        )

        return job_params_demo_gather
