from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookAttemptOutput")


@_attrs_define
class WebhookAttemptOutput:
    """
    Attributes:
        number (int):
        started_at (datetime.datetime):
        duration_seconds (float):
        status_code (int | None | Unset):
        error (str | Unset):
        delivered (bool | Unset):
    """

    number: int
    started_at: datetime.datetime
    duration_seconds: float
    status_code: int | Unset | None = UNSET
    error: str | Unset = UNSET
    delivered: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        number = self.number

        started_at = self.started_at.isoformat()

        duration_seconds = self.duration_seconds

        status_code: int | Unset | None
        if isinstance(self.status_code, Unset):
            status_code = UNSET
        else:
            status_code = self.status_code

        error = self.error

        delivered = self.delivered

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "number": number,
                "started_at": started_at,
                "duration_seconds": duration_seconds,
            }
        )
        if status_code is not UNSET:
            field_dict["status_code"] = status_code
        if error is not UNSET:
            field_dict["error"] = error
        if delivered is not UNSET:
            field_dict["delivered"] = delivered

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        number = d.pop("number")

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        duration_seconds = d.pop("duration_seconds")

        def _parse_status_code(data: object) -> int | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        status_code = _parse_status_code(d.pop("status_code", UNSET))

        error = d.pop("error", UNSET)

        delivered = d.pop("delivered", UNSET)

        webhook_attempt_output = cls(
            number=number,
            started_at=started_at,
            duration_seconds=duration_seconds,
            status_code=status_code,
            error=error,
            delivered=delivered,
        )

        webhook_attempt_output.additional_properties = d
        return webhook_attempt_output

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
