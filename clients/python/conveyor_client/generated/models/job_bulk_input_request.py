from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_bulk_input_state_enum import (
    JobBulkInputStateEnum,
    check_job_bulk_input_state_enum,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="JobBulkInputRequest")


@_attrs_define
class JobBulkInputRequest:
    """Which of the client's jobs a bulk action takes: ``GET /v1/jobs``'s filters, as JSON
    (lists rather than comma-separated text), at least one given.

        Attributes:
            state (list[JobBulkInputStateEnum] | Unset): any of these states
            type_ (list[str] | Unset): any of these job types
            queue (list[str] | Unset): on any of these queues
            label (list[str] | Unset): key:value; several must all match
            created_after (datetime.datetime | Unset):
            created_before (datetime.datetime | Unset):
            dry_run (bool | Unset): true: only count the jobs the action would take Default: False.
    """

    state: list[JobBulkInputStateEnum] | Unset = UNSET
    type_: list[str] | Unset = UNSET
    queue: list[str] | Unset = UNSET
    label: list[str] | Unset = UNSET
    created_after: datetime.datetime | Unset = UNSET
    created_before: datetime.datetime | Unset = UNSET
    dry_run: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        state: list[str] | Unset = UNSET
        if not isinstance(self.state, Unset):
            state = []
            for state_item_data in self.state:
                state_item: str = state_item_data
                state.append(state_item)

        type_: list[str] | Unset = UNSET
        if not isinstance(self.type_, Unset):
            type_ = self.type_

        queue: list[str] | Unset = UNSET
        if not isinstance(self.queue, Unset):
            queue = self.queue

        label: list[str] | Unset = UNSET
        if not isinstance(self.label, Unset):
            label = self.label

        created_after: str | Unset = UNSET
        if not isinstance(self.created_after, Unset):
            created_after = self.created_after.isoformat()

        created_before: str | Unset = UNSET
        if not isinstance(self.created_before, Unset):
            created_before = self.created_before.isoformat()

        dry_run = self.dry_run

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if state is not UNSET:
            field_dict["state"] = state
        if type_ is not UNSET:
            field_dict["type"] = type_
        if queue is not UNSET:
            field_dict["queue"] = queue
        if label is not UNSET:
            field_dict["label"] = label
        if created_after is not UNSET:
            field_dict["created_after"] = created_after
        if created_before is not UNSET:
            field_dict["created_before"] = created_before
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _state = d.pop("state", UNSET)
        state: list[JobBulkInputStateEnum] | Unset = UNSET
        if _state is not UNSET:
            state = []
            for state_item_data in _state:
                state_item = check_job_bulk_input_state_enum(state_item_data)

                state.append(state_item)

        type_ = cast(list[str], d.pop("type", UNSET))

        queue = cast(list[str], d.pop("queue", UNSET))

        label = cast(list[str], d.pop("label", UNSET))

        _created_after = d.pop("created_after", UNSET)
        created_after: datetime.datetime | Unset
        if isinstance(_created_after, Unset):
            created_after = UNSET
        else:
            created_after = datetime.datetime.fromisoformat(_created_after)

        _created_before = d.pop("created_before", UNSET)
        created_before: datetime.datetime | Unset
        if isinstance(_created_before, Unset):
            created_before = UNSET
        else:
            created_before = datetime.datetime.fromisoformat(_created_before)

        dry_run = d.pop("dry_run", UNSET)

        job_bulk_input_request = cls(
            state=state,
            type_=type_,
            queue=queue,
            label=label,
            created_after=created_after,
            created_before=created_before,
            dry_run=dry_run,
        )

        job_bulk_input_request.additional_properties = d
        return job_bulk_input_request

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
