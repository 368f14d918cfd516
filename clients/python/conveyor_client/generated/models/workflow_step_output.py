from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.on_dependency_failure_enum import (
    OnDependencyFailureEnum,
    check_on_dependency_failure_enum,
)

if TYPE_CHECKING:
    from ..models.job_output import JobOutput


T = TypeVar("T", bound="WorkflowStepOutput")


@_attrs_define
class WorkflowStepOutput:
    """
    Attributes:
        id (str): The job's id in the workflow request.
        depends_on (list[str]):
        on_dependency_failure (OnDependencyFailureEnum): * `cancel` - Cancel
            * `run` - Run
        results_param (str):
        job (JobOutput):
    """

    id: str
    depends_on: list[str]
    on_dependency_failure: OnDependencyFailureEnum
    results_param: str
    job: JobOutput
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        depends_on = self.depends_on

        on_dependency_failure: str = self.on_dependency_failure

        results_param = self.results_param

        job = self.job.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "depends_on": depends_on,
                "on_dependency_failure": on_dependency_failure,
                "results_param": results_param,
                "job": job,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_output import JobOutput

        d = dict(src_dict)
        id = d.pop("id")

        depends_on = cast(list[str], d.pop("depends_on"))

        on_dependency_failure = check_on_dependency_failure_enum(d.pop("on_dependency_failure"))

        results_param = d.pop("results_param")

        job = JobOutput.from_dict(d.pop("job"))

        workflow_step_output = cls(
            id=id,
            depends_on=depends_on,
            on_dependency_failure=on_dependency_failure,
            results_param=results_param,
            job=job,
        )

        workflow_step_output.additional_properties = d
        return workflow_step_output

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
