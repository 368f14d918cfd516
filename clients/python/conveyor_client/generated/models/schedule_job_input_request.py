from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.schedule_job_input_request_labels import ScheduleJobInputRequestLabels
    from ..models.schedule_job_input_request_params import ScheduleJobInputRequestParams


T = TypeVar("T", bound="ScheduleJobInputRequest")


@_attrs_define
class ScheduleJobInputRequest:
    """The job each run submits: a submission as ``POST /v1/jobs`` takes it, without a
    start time (the schedule says when).

        Attributes:
            type_ (str):
            params (ScheduleJobInputRequestParams | Unset):
            queue (str | Unset):
            priority (int | Unset):  Default: 5.
            max_attempts (int | Unset):
            timeout_seconds (int | Unset):
            labels (ScheduleJobInputRequestLabels | Unset):
            webhook_url (str | Unset): http(s) URL conveyor POSTs the job to, signed, when it ends (docs/webhooks.md)
    """

    type_: str
    params: ScheduleJobInputRequestParams | Unset = UNSET
    queue: str | Unset = UNSET
    priority: int | Unset = 5
    max_attempts: int | Unset = UNSET
    timeout_seconds: int | Unset = UNSET
    labels: ScheduleJobInputRequestLabels | Unset = UNSET
    webhook_url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.params, Unset):
            params = self.params.to_dict()

        queue = self.queue

        priority = self.priority

        max_attempts = self.max_attempts

        timeout_seconds = self.timeout_seconds

        labels: dict[str, Any] | Unset = UNSET
        if not isinstance(self.labels, Unset):
            labels = self.labels.to_dict()

        webhook_url = self.webhook_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if params is not UNSET:
            field_dict["params"] = params
        if queue is not UNSET:
            field_dict["queue"] = queue
        if priority is not UNSET:
            field_dict["priority"] = priority
        if max_attempts is not UNSET:
            field_dict["max_attempts"] = max_attempts
        if timeout_seconds is not UNSET:
            field_dict["timeout_seconds"] = timeout_seconds
        if labels is not UNSET:
            field_dict["labels"] = labels
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.schedule_job_input_request_labels import ScheduleJobInputRequestLabels
        from ..models.schedule_job_input_request_params import ScheduleJobInputRequestParams

        d = dict(src_dict)
        type_ = d.pop("type")

        _params = d.pop("params", UNSET)
        params: ScheduleJobInputRequestParams | Unset
        if isinstance(_params, Unset):
            params = UNSET
        else:
            params = ScheduleJobInputRequestParams.from_dict(_params)

        queue = d.pop("queue", UNSET)

        priority = d.pop("priority", UNSET)

        max_attempts = d.pop("max_attempts", UNSET)

        timeout_seconds = d.pop("timeout_seconds", UNSET)

        _labels = d.pop("labels", UNSET)
        labels: ScheduleJobInputRequestLabels | Unset
        if isinstance(_labels, Unset):
            labels = UNSET
        else:
            labels = ScheduleJobInputRequestLabels.from_dict(_labels)

        webhook_url = d.pop("webhook_url", UNSET)

        schedule_job_input_request = cls(
            type_=type_,
            params=params,
            queue=queue,
            priority=priority,
            max_attempts=max_attempts,
            timeout_seconds=timeout_seconds,
            labels=labels,
            webhook_url=webhook_url,
        )

        schedule_job_input_request.additional_properties = d
        return schedule_job_input_request

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
