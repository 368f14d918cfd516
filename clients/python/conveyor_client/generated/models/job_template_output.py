from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_template_output_labels import JobTemplateOutputLabels
    from ..models.job_template_output_params import JobTemplateOutputParams


T = TypeVar("T", bound="JobTemplateOutput")


@_attrs_define
class JobTemplateOutput:
    """
    Attributes:
        type_ (str):
        params (JobTemplateOutputParams):
        queue (None | str): null: the job type's queue
        priority (int):
        max_attempts (int | None): null: the job type's retry policy
        timeout_seconds (int | None): null: the job type's time limit
        labels (JobTemplateOutputLabels):
        webhook_url (str | Unset):
    """

    type_: str
    params: JobTemplateOutputParams
    queue: str | None
    priority: int
    max_attempts: int | None
    timeout_seconds: int | None
    labels: JobTemplateOutputLabels
    webhook_url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        params = self.params.to_dict()

        queue: str | None
        queue = self.queue

        priority = self.priority

        max_attempts: int | None
        max_attempts = self.max_attempts

        timeout_seconds: int | None
        timeout_seconds = self.timeout_seconds

        labels = self.labels.to_dict()

        webhook_url = self.webhook_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "params": params,
                "queue": queue,
                "priority": priority,
                "max_attempts": max_attempts,
                "timeout_seconds": timeout_seconds,
                "labels": labels,
            }
        )
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_template_output_labels import JobTemplateOutputLabels
        from ..models.job_template_output_params import JobTemplateOutputParams

        d = dict(src_dict)
        type_ = d.pop("type")

        params = JobTemplateOutputParams.from_dict(d.pop("params"))

        def _parse_queue(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        queue = _parse_queue(d.pop("queue"))

        priority = d.pop("priority")

        def _parse_max_attempts(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_attempts = _parse_max_attempts(d.pop("max_attempts"))

        def _parse_timeout_seconds(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        timeout_seconds = _parse_timeout_seconds(d.pop("timeout_seconds"))

        labels = JobTemplateOutputLabels.from_dict(d.pop("labels"))

        webhook_url = d.pop("webhook_url", UNSET)

        job_template_output = cls(
            type_=type_,
            params=params,
            queue=queue,
            priority=priority,
            max_attempts=max_attempts,
            timeout_seconds=timeout_seconds,
            labels=labels,
            webhook_url=webhook_url,
        )

        job_template_output.additional_properties = d
        return job_template_output

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
