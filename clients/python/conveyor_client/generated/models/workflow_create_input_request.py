from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.workflow_create_input_request_labels import WorkflowCreateInputRequestLabels


T = TypeVar("T", bound="WorkflowCreateInputRequest")


@_attrs_define
class WorkflowCreateInputRequest:
    """
    Attributes:
        jobs (list[Any]): The workflow's jobs (WorkflowJob): a DAG by their depends_on.
        name (str | Unset):  Default: ''.
        labels (WorkflowCreateInputRequestLabels | Unset):
    """

    jobs: list[Any]
    name: str | Unset = ""
    labels: WorkflowCreateInputRequestLabels | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        jobs = self.jobs

        name = self.name

        labels: dict[str, Any] | Unset = UNSET
        if not isinstance(self.labels, Unset):
            labels = self.labels.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "jobs": jobs,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if labels is not UNSET:
            field_dict["labels"] = labels

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.workflow_create_input_request_labels import WorkflowCreateInputRequestLabels

        d = dict(src_dict)
        jobs = cast(list[Any], d.pop("jobs"))

        name = d.pop("name", UNSET)

        _labels = d.pop("labels", UNSET)
        labels: WorkflowCreateInputRequestLabels | Unset
        if isinstance(_labels, Unset):
            labels = UNSET
        else:
            labels = WorkflowCreateInputRequestLabels.from_dict(_labels)

        workflow_create_input_request = cls(
            jobs=jobs,
            name=name,
            labels=labels,
        )

        workflow_create_input_request.additional_properties = d
        return workflow_create_input_request

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
