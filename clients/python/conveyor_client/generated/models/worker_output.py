from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="WorkerOutput")


@_attrs_define
class WorkerOutput:
    """
    Attributes:
        name (str): the worker's Celery hostname; jobs' lease owner
        queues (list[str]): the queues it was started to consume
        concurrency (int): how many jobs it runs at once
        heartbeat_age_seconds (float): seconds since it last reported
        running_job_ids (list[UUID]): the jobs it runs now
        version (str): conveyor's version it runs
        started_at (datetime.datetime):
    """

    name: str
    queues: list[str]
    concurrency: int
    heartbeat_age_seconds: float
    running_job_ids: list[UUID]
    version: str
    started_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        queues = self.queues

        concurrency = self.concurrency

        heartbeat_age_seconds = self.heartbeat_age_seconds

        running_job_ids = []
        for running_job_ids_item_data in self.running_job_ids:
            running_job_ids_item = str(running_job_ids_item_data)
            running_job_ids.append(running_job_ids_item)

        version = self.version

        started_at = self.started_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "queues": queues,
                "concurrency": concurrency,
                "heartbeat_age_seconds": heartbeat_age_seconds,
                "running_job_ids": running_job_ids,
                "version": version,
                "started_at": started_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        queues = cast(list[str], d.pop("queues"))

        concurrency = d.pop("concurrency")

        heartbeat_age_seconds = d.pop("heartbeat_age_seconds")

        running_job_ids = []
        _running_job_ids = d.pop("running_job_ids")
        for running_job_ids_item_data in _running_job_ids:
            running_job_ids_item = UUID(running_job_ids_item_data)

            running_job_ids.append(running_job_ids_item)

        version = d.pop("version")

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        worker_output = cls(
            name=name,
            queues=queues,
            concurrency=concurrency,
            heartbeat_age_seconds=heartbeat_age_seconds,
            running_job_ids=running_job_ids,
            version=version,
            started_at=started_at,
        )

        worker_output.additional_properties = d
        return worker_output

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
