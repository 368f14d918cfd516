from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.cron_input_request import CronInputRequest
    from ..models.schedule_job_demo_cpu import ScheduleJobDemoCpu
    from ..models.schedule_job_demo_fanout import ScheduleJobDemoFanout
    from ..models.schedule_job_demo_gather import ScheduleJobDemoGather
    from ..models.schedule_job_demo_noop import ScheduleJobDemoNoop
    from ..models.schedule_job_demo_sleep import ScheduleJobDemoSleep
    from ..models.schedule_job_django_task import ScheduleJobDjangoTask
    from ..models.schedule_job_http_request import ScheduleJobHttpRequest
    from ..models.schedule_job_workflow_start import ScheduleJobWorkflowStart


T = TypeVar("T", bound="ScheduleCreateInputRequest")


@_attrs_define
class ScheduleCreateInputRequest:
    """
    Attributes:
        name (str):
        job (ScheduleJobDemoCpu | ScheduleJobDemoFanout | ScheduleJobDemoGather | ScheduleJobDemoNoop |
            ScheduleJobDemoSleep | ScheduleJobDjangoTask | ScheduleJobHttpRequest | ScheduleJobWorkflowStart): The job each
            run submits: a submission as ``POST /v1/jobs`` takes it, without a
            start time (the schedule says when).
        cron (CronInputRequest | Unset):
        interval_seconds (int | Unset): run every N seconds
        enabled (bool | Unset):  Default: True.
    """

    name: str
    job: (
        ScheduleJobDemoCpu
        | ScheduleJobDemoFanout
        | ScheduleJobDemoGather
        | ScheduleJobDemoNoop
        | ScheduleJobDemoSleep
        | ScheduleJobDjangoTask
        | ScheduleJobHttpRequest
        | ScheduleJobWorkflowStart
    )
    cron: CronInputRequest | Unset = UNSET
    interval_seconds: int | Unset = UNSET
    enabled: bool | Unset = True
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.schedule_job_demo_cpu import ScheduleJobDemoCpu
        from ..models.schedule_job_demo_fanout import ScheduleJobDemoFanout
        from ..models.schedule_job_demo_gather import ScheduleJobDemoGather
        from ..models.schedule_job_demo_noop import ScheduleJobDemoNoop
        from ..models.schedule_job_demo_sleep import ScheduleJobDemoSleep
        from ..models.schedule_job_django_task import ScheduleJobDjangoTask
        from ..models.schedule_job_http_request import ScheduleJobHttpRequest

        name = self.name

        job: dict[str, Any]
        if (
            isinstance(self.job, ScheduleJobDemoCpu)
            or isinstance(self.job, ScheduleJobDemoFanout)
            or isinstance(self.job, ScheduleJobDemoGather)
            or isinstance(self.job, ScheduleJobDemoNoop)
            or isinstance(self.job, ScheduleJobDemoSleep)
            or isinstance(self.job, ScheduleJobDjangoTask)
            or isinstance(self.job, ScheduleJobHttpRequest)
        ):
            job = self.job.to_dict()
        else:
            job = self.job.to_dict()

        cron: dict[str, Any] | Unset = UNSET
        if not isinstance(self.cron, Unset):
            cron = self.cron.to_dict()

        interval_seconds = self.interval_seconds

        enabled = self.enabled

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "job": job,
            }
        )
        if cron is not UNSET:
            field_dict["cron"] = cron
        if interval_seconds is not UNSET:
            field_dict["interval_seconds"] = interval_seconds
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cron_input_request import CronInputRequest
        from ..models.schedule_job_demo_cpu import ScheduleJobDemoCpu
        from ..models.schedule_job_demo_fanout import ScheduleJobDemoFanout
        from ..models.schedule_job_demo_gather import ScheduleJobDemoGather
        from ..models.schedule_job_demo_noop import ScheduleJobDemoNoop
        from ..models.schedule_job_demo_sleep import ScheduleJobDemoSleep
        from ..models.schedule_job_django_task import ScheduleJobDjangoTask
        from ..models.schedule_job_http_request import ScheduleJobHttpRequest
        from ..models.schedule_job_workflow_start import ScheduleJobWorkflowStart

        d = dict(src_dict)
        name = d.pop("name")

        def _parse_job(
            data: object,
        ) -> (
            ScheduleJobDemoCpu
            | ScheduleJobDemoFanout
            | ScheduleJobDemoGather
            | ScheduleJobDemoNoop
            | ScheduleJobDemoSleep
            | ScheduleJobDjangoTask
            | ScheduleJobHttpRequest
            | ScheduleJobWorkflowStart
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_schedule_job_type_0 = ScheduleJobDemoCpu.from_dict(data)

                return componentsschemas_schedule_job_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_schedule_job_type_1 = ScheduleJobDemoFanout.from_dict(data)

                return componentsschemas_schedule_job_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_schedule_job_type_2 = ScheduleJobDemoGather.from_dict(data)

                return componentsschemas_schedule_job_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_schedule_job_type_3 = ScheduleJobDemoNoop.from_dict(data)

                return componentsschemas_schedule_job_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_schedule_job_type_4 = ScheduleJobDemoSleep.from_dict(data)

                return componentsschemas_schedule_job_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_schedule_job_type_5 = ScheduleJobDjangoTask.from_dict(data)

                return componentsschemas_schedule_job_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_schedule_job_type_6 = ScheduleJobHttpRequest.from_dict(data)

                return componentsschemas_schedule_job_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_schedule_job_type_7 = ScheduleJobWorkflowStart.from_dict(data)

            return componentsschemas_schedule_job_type_7

        job = _parse_job(d.pop("job"))

        _cron = d.pop("cron", UNSET)
        cron: CronInputRequest | Unset
        if isinstance(_cron, Unset):
            cron = UNSET
        else:
            cron = CronInputRequest.from_dict(_cron)

        interval_seconds = d.pop("interval_seconds", UNSET)

        enabled = d.pop("enabled", UNSET)

        schedule_create_input_request = cls(
            name=name,
            job=job,
            cron=cron,
            interval_seconds=interval_seconds,
            enabled=enabled,
        )

        schedule_create_input_request.additional_properties = d
        return schedule_create_input_request

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
