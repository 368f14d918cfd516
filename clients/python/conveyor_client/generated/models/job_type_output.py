from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.advertised_task_output import AdvertisedTaskOutput
    from ..models.job_type_output_params_schema import JobTypeOutputParamsSchema
    from ..models.job_type_output_retry import JobTypeOutputRetry


T = TypeVar("T", bound="JobTypeOutput")


@_attrs_define
class JobTypeOutput:
    """
    Attributes:
        name (str):
        description (str):
        queue (str):
        params_schema (JobTypeOutputParamsSchema):
        retry (JobTypeOutputRetry):
        time_limit_seconds (int):
        rate_limit (None | str): Most starts of this job type across all workers, e.g. 10/s; null: none.
        queue_rate_limit (None | str): The limit of the job type's queue, which also applies; null: none.
        tasks (list[AdvertisedTaskOutput] | None): django.task: the Django tasks workers advertised (a job must name
            one); null for other job types.
    """

    name: str
    description: str
    queue: str
    params_schema: JobTypeOutputParamsSchema
    retry: JobTypeOutputRetry
    time_limit_seconds: int
    rate_limit: str | None
    queue_rate_limit: str | None
    tasks: list[AdvertisedTaskOutput] | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        description = self.description

        queue = self.queue

        params_schema = self.params_schema.to_dict()

        retry = self.retry.to_dict()

        time_limit_seconds = self.time_limit_seconds

        rate_limit: str | None
        rate_limit = self.rate_limit

        queue_rate_limit: str | None
        queue_rate_limit = self.queue_rate_limit

        tasks: list[dict[str, Any]] | None
        if isinstance(self.tasks, list):
            tasks = []
            for tasks_type_0_item_data in self.tasks:
                tasks_type_0_item = tasks_type_0_item_data.to_dict()
                tasks.append(tasks_type_0_item)

        else:
            tasks = self.tasks

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "description": description,
                "queue": queue,
                "params_schema": params_schema,
                "retry": retry,
                "time_limit_seconds": time_limit_seconds,
                "rate_limit": rate_limit,
                "queue_rate_limit": queue_rate_limit,
                "tasks": tasks,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.advertised_task_output import AdvertisedTaskOutput
        from ..models.job_type_output_params_schema import JobTypeOutputParamsSchema
        from ..models.job_type_output_retry import JobTypeOutputRetry

        d = dict(src_dict)
        name = d.pop("name")

        description = d.pop("description")

        queue = d.pop("queue")

        params_schema = JobTypeOutputParamsSchema.from_dict(d.pop("params_schema"))

        retry = JobTypeOutputRetry.from_dict(d.pop("retry"))

        time_limit_seconds = d.pop("time_limit_seconds")

        def _parse_rate_limit(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        rate_limit = _parse_rate_limit(d.pop("rate_limit"))

        def _parse_queue_rate_limit(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        queue_rate_limit = _parse_queue_rate_limit(d.pop("queue_rate_limit"))

        def _parse_tasks(data: object) -> list[AdvertisedTaskOutput] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                tasks_type_0 = []
                _tasks_type_0 = data
                for tasks_type_0_item_data in _tasks_type_0:
                    tasks_type_0_item = AdvertisedTaskOutput.from_dict(tasks_type_0_item_data)

                    tasks_type_0.append(tasks_type_0_item)

                return tasks_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[AdvertisedTaskOutput] | None, data)

        tasks = _parse_tasks(d.pop("tasks"))

        job_type_output = cls(
            name=name,
            description=description,
            queue=queue,
            params_schema=params_schema,
            retry=retry,
            time_limit_seconds=time_limit_seconds,
            rate_limit=rate_limit,
            queue_rate_limit=queue_rate_limit,
            tasks=tasks,
        )

        job_type_output.additional_properties = d
        return job_type_output

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
