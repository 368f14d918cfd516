from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.outcome_enum import OutcomeEnum, check_outcome_enum
from ..types import UNSET, Unset

T = TypeVar("T", bound="AttemptOutput")


@_attrs_define
class AttemptOutput:
    """
    Attributes:
        number (int):
        started_at (datetime.datetime):
        finished_at (datetime.datetime):
        outcome (OutcomeEnum): * `succeeded` - Succeeded
            * `failed` - Failed
            * `retrying` - Retrying
            * `cancelled` - Cancelled
            * `timed_out` - Timed Out
            * `lost` - Lost
            * `interrupted` - Interrupted
        worker (str | Unset):
        error_type (str | Unset):
        error_message (str | Unset):
        error_path (str | Unset): The exception's class as a module path.
        error_traceback (str | Unset): The attempt's traceback, for django.task jobs only (the client's own code, as
            Django's TaskResult shows it); empty for the other job types, whose tracebacks are for operators.
    """

    number: int
    started_at: datetime.datetime
    finished_at: datetime.datetime
    outcome: OutcomeEnum
    worker: str | Unset = UNSET
    error_type: str | Unset = UNSET
    error_message: str | Unset = UNSET
    error_path: str | Unset = UNSET
    error_traceback: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        number = self.number

        started_at = self.started_at.isoformat()

        finished_at = self.finished_at.isoformat()

        outcome: str = self.outcome

        worker = self.worker

        error_type = self.error_type

        error_message = self.error_message

        error_path = self.error_path

        error_traceback = self.error_traceback

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "number": number,
                "started_at": started_at,
                "finished_at": finished_at,
                "outcome": outcome,
            }
        )
        if worker is not UNSET:
            field_dict["worker"] = worker
        if error_type is not UNSET:
            field_dict["error_type"] = error_type
        if error_message is not UNSET:
            field_dict["error_message"] = error_message
        if error_path is not UNSET:
            field_dict["error_path"] = error_path
        if error_traceback is not UNSET:
            field_dict["error_traceback"] = error_traceback

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        number = d.pop("number")

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        finished_at = datetime.datetime.fromisoformat(d.pop("finished_at"))

        outcome = check_outcome_enum(d.pop("outcome"))

        worker = d.pop("worker", UNSET)

        error_type = d.pop("error_type", UNSET)

        error_message = d.pop("error_message", UNSET)

        error_path = d.pop("error_path", UNSET)

        error_traceback = d.pop("error_traceback", UNSET)

        attempt_output = cls(
            number=number,
            started_at=started_at,
            finished_at=finished_at,
            outcome=outcome,
            worker=worker,
            error_type=error_type,
            error_message=error_message,
            error_path=error_path,
            error_traceback=error_traceback,
        )

        attempt_output.additional_properties = d
        return attempt_output

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
