from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AdvertisedTaskOutput")


@_attrs_define
class AdvertisedTaskOutput:
    """
    Attributes:
        task (str): The task's module path.
        queue (str):
        advertised_at (datetime.datetime):
        description (str | Unset):
        params_schema (Any | Unset): JSON Schema of the arguments by name, from the signature.
        positional (Any | Unset): The names positional arguments (args) bind to.
        takes_context (bool | Unset):
        worker (str | Unset):
    """

    task: str
    queue: str
    advertised_at: datetime.datetime
    description: str | Unset = UNSET
    params_schema: Any | Unset = UNSET
    positional: Any | Unset = UNSET
    takes_context: bool | Unset = UNSET
    worker: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        task = self.task

        queue = self.queue

        advertised_at = self.advertised_at.isoformat()

        description = self.description

        params_schema = self.params_schema

        positional = self.positional

        takes_context = self.takes_context

        worker = self.worker

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "task": task,
                "queue": queue,
                "advertised_at": advertised_at,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if params_schema is not UNSET:
            field_dict["params_schema"] = params_schema
        if positional is not UNSET:
            field_dict["positional"] = positional
        if takes_context is not UNSET:
            field_dict["takes_context"] = takes_context
        if worker is not UNSET:
            field_dict["worker"] = worker

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        task = d.pop("task")

        queue = d.pop("queue")

        advertised_at = datetime.datetime.fromisoformat(d.pop("advertised_at"))

        description = d.pop("description", UNSET)

        params_schema = d.pop("params_schema", UNSET)

        positional = d.pop("positional", UNSET)

        takes_context = d.pop("takes_context", UNSET)

        worker = d.pop("worker", UNSET)

        advertised_task_output = cls(
            task=task,
            queue=queue,
            advertised_at=advertised_at,
            description=description,
            params_schema=params_schema,
            positional=positional,
            takes_context=takes_context,
            worker=worker,
        )

        advertised_task_output.additional_properties = d
        return advertised_task_output

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
