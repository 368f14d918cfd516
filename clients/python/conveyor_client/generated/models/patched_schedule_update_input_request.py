from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.cron_input_request import CronInputRequest
    from ..models.schedule_job_input_request import ScheduleJobInputRequest


T = TypeVar("T", bound="PatchedScheduleUpdateInputRequest")


@_attrs_define
class PatchedScheduleUpdateInputRequest:
    """A PATCH: what is given changes. A timing replaces the other kind (cron for an
    interval or the reverse); a job template replaces the whole template.

        Attributes:
            name (str | Unset):
            cron (CronInputRequest | Unset):
            interval_seconds (int | Unset): run every N seconds
            job (ScheduleJobInputRequest | Unset): The job each run submits: a submission as ``POST /v1/jobs`` takes it,
                without a
                start time (the schedule says when).
            enabled (bool | Unset):
    """

    name: str | Unset = UNSET
    cron: CronInputRequest | Unset = UNSET
    interval_seconds: int | Unset = UNSET
    job: ScheduleJobInputRequest | Unset = UNSET
    enabled: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        cron: dict[str, Any] | Unset = UNSET
        if not isinstance(self.cron, Unset):
            cron = self.cron.to_dict()

        interval_seconds = self.interval_seconds

        job: dict[str, Any] | Unset = UNSET
        if not isinstance(self.job, Unset):
            job = self.job.to_dict()

        enabled = self.enabled

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if cron is not UNSET:
            field_dict["cron"] = cron
        if interval_seconds is not UNSET:
            field_dict["interval_seconds"] = interval_seconds
        if job is not UNSET:
            field_dict["job"] = job
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cron_input_request import CronInputRequest
        from ..models.schedule_job_input_request import ScheduleJobInputRequest

        d = dict(src_dict)
        name = d.pop("name", UNSET)

        _cron = d.pop("cron", UNSET)
        cron: CronInputRequest | Unset
        if isinstance(_cron, Unset):
            cron = UNSET
        else:
            cron = CronInputRequest.from_dict(_cron)

        interval_seconds = d.pop("interval_seconds", UNSET)

        _job = d.pop("job", UNSET)
        job: ScheduleJobInputRequest | Unset
        if isinstance(_job, Unset):
            job = UNSET
        else:
            job = ScheduleJobInputRequest.from_dict(_job)

        enabled = d.pop("enabled", UNSET)

        patched_schedule_update_input_request = cls(
            name=name,
            cron=cron,
            interval_seconds=interval_seconds,
            job=job,
            enabled=enabled,
        )

        patched_schedule_update_input_request.additional_properties = d
        return patched_schedule_update_input_request

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
