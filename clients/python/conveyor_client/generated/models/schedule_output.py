from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.cron_output import CronOutput
    from ..models.job_template_output import JobTemplateOutput


T = TypeVar("T", bound="ScheduleOutput")


@_attrs_define
class ScheduleOutput:
    """
    Attributes:
        id (UUID):
        name (str):
        cron (CronOutput | None):
        job (JobTemplateOutput):
        next_run_at (datetime.datetime | None):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        interval_seconds (int | None | Unset):
        enabled (bool | Unset):
        last_run_at (datetime.datetime | None | Unset):
    """

    id: UUID
    name: str
    cron: CronOutput | None
    job: JobTemplateOutput
    next_run_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    interval_seconds: int | Unset | None = UNSET
    enabled: bool | Unset = UNSET
    last_run_at: datetime.datetime | Unset | None = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.cron_output import CronOutput

        id = str(self.id)

        name = self.name

        cron: dict[str, Any] | None
        if isinstance(self.cron, CronOutput):
            cron = self.cron.to_dict()
        else:
            cron = self.cron

        job = self.job.to_dict()

        next_run_at: str | None
        if isinstance(self.next_run_at, datetime.datetime):
            next_run_at = self.next_run_at.isoformat()
        else:
            next_run_at = self.next_run_at

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        interval_seconds: int | Unset | None
        if isinstance(self.interval_seconds, Unset):
            interval_seconds = UNSET
        else:
            interval_seconds = self.interval_seconds

        enabled = self.enabled

        last_run_at: str | Unset | None
        if isinstance(self.last_run_at, Unset):
            last_run_at = UNSET
        elif isinstance(self.last_run_at, datetime.datetime):
            last_run_at = self.last_run_at.isoformat()
        else:
            last_run_at = self.last_run_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "cron": cron,
                "job": job,
                "next_run_at": next_run_at,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if interval_seconds is not UNSET:
            field_dict["interval_seconds"] = interval_seconds
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if last_run_at is not UNSET:
            field_dict["last_run_at"] = last_run_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cron_output import CronOutput
        from ..models.job_template_output import JobTemplateOutput

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        def _parse_cron(data: object) -> CronOutput | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                cron_type_1 = CronOutput.from_dict(data)

                return cron_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CronOutput | None, data)

        cron = _parse_cron(d.pop("cron"))

        job = JobTemplateOutput.from_dict(d.pop("job"))

        def _parse_next_run_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_run_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_run_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_run_at = _parse_next_run_at(d.pop("next_run_at"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_interval_seconds(data: object) -> int | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        interval_seconds = _parse_interval_seconds(d.pop("interval_seconds", UNSET))

        enabled = d.pop("enabled", UNSET)

        def _parse_last_run_at(data: object) -> datetime.datetime | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_run_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_run_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_run_at = _parse_last_run_at(d.pop("last_run_at", UNSET))

        schedule_output = cls(
            id=id,
            name=name,
            cron=cron,
            job=job,
            next_run_at=next_run_at,
            created_at=created_at,
            updated_at=updated_at,
            interval_seconds=interval_seconds,
            enabled=enabled,
            last_run_at=last_run_at,
        )

        schedule_output.additional_properties = d
        return schedule_output

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
