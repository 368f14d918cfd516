from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_delivery_output_state_enum import (
    WebhookDeliveryOutputStateEnum,
    check_webhook_delivery_output_state_enum,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.webhook_attempt_output import WebhookAttemptOutput


T = TypeVar("T", bound="WebhookDeliveryOutput")


@_attrs_define
class WebhookDeliveryOutput:
    """
    Attributes:
        id (UUID):
        event (str):
        url (str):
        created_at (datetime.datetime):
        attempt_history (list[WebhookAttemptOutput]):
        state (WebhookDeliveryOutputStateEnum | Unset): * `pending` - Pending
            * `delivered` - Delivered
            * `failed` - Failed
        attempts (int | Unset):
        next_attempt_at (datetime.datetime | None | Unset):
        finished_at (datetime.datetime | None | Unset):
    """

    id: UUID
    event: str
    url: str
    created_at: datetime.datetime
    attempt_history: list[WebhookAttemptOutput]
    state: WebhookDeliveryOutputStateEnum | Unset = UNSET
    attempts: int | Unset = UNSET
    next_attempt_at: datetime.datetime | Unset | None = UNSET
    finished_at: datetime.datetime | Unset | None = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        event = self.event

        url = self.url

        created_at = self.created_at.isoformat()

        attempt_history = []
        for attempt_history_item_data in self.attempt_history:
            attempt_history_item = attempt_history_item_data.to_dict()
            attempt_history.append(attempt_history_item)

        state: str | Unset = UNSET
        if not isinstance(self.state, Unset):
            state = self.state

        attempts = self.attempts

        next_attempt_at: str | Unset | None
        if isinstance(self.next_attempt_at, Unset):
            next_attempt_at = UNSET
        elif isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        finished_at: str | Unset | None
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "event": event,
                "url": url,
                "created_at": created_at,
                "attempt_history": attempt_history,
            }
        )
        if state is not UNSET:
            field_dict["state"] = state
        if attempts is not UNSET:
            field_dict["attempts"] = attempts
        if next_attempt_at is not UNSET:
            field_dict["next_attempt_at"] = next_attempt_at
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.webhook_attempt_output import WebhookAttemptOutput

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        event = d.pop("event")

        url = d.pop("url")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        attempt_history = []
        _attempt_history = d.pop("attempt_history")
        for attempt_history_item_data in _attempt_history:
            attempt_history_item = WebhookAttemptOutput.from_dict(attempt_history_item_data)

            attempt_history.append(attempt_history_item)

        _state = d.pop("state", UNSET)
        state: WebhookDeliveryOutputStateEnum | Unset
        if isinstance(_state, Unset):
            state = UNSET
        else:
            state = check_webhook_delivery_output_state_enum(_state)

        attempts = d.pop("attempts", UNSET)

        def _parse_next_attempt_at(data: object) -> datetime.datetime | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at", UNSET))

        def _parse_finished_at(data: object) -> datetime.datetime | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        webhook_delivery_output = cls(
            id=id,
            event=event,
            url=url,
            created_at=created_at,
            attempt_history=attempt_history,
            state=state,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            finished_at=finished_at,
        )

        webhook_delivery_output.additional_properties = d
        return webhook_delivery_output

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
