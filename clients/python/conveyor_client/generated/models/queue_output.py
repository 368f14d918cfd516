from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="QueueOutput")


@_attrs_define
class QueueOutput:
    """What KEDA's metrics-api scaler reads (``valueLocation: backlog``).

    Attributes:
        backlog (int): waiting + running: the work left
        waiting (int): queued jobs not yet claimed by a worker
        running (int): jobs a worker runs or is cancelling
        scheduled (int): scheduled or retrying, waiting for run_at
        oldest_waiting_seconds (float): age of the oldest queued job
        paused (bool): an operator paused the queue: its jobs wait, no worker takes one
        name (str):
        workers (int): distinct workers running a job of the queue
    """

    backlog: int
    waiting: int
    running: int
    scheduled: int
    oldest_waiting_seconds: float
    paused: bool
    name: str
    workers: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        backlog = self.backlog

        waiting = self.waiting

        running = self.running

        scheduled = self.scheduled

        oldest_waiting_seconds = self.oldest_waiting_seconds

        paused = self.paused

        name = self.name

        workers = self.workers

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "backlog": backlog,
                "waiting": waiting,
                "running": running,
                "scheduled": scheduled,
                "oldest_waiting_seconds": oldest_waiting_seconds,
                "paused": paused,
                "name": name,
                "workers": workers,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        backlog = d.pop("backlog")

        waiting = d.pop("waiting")

        running = d.pop("running")

        scheduled = d.pop("scheduled")

        oldest_waiting_seconds = d.pop("oldest_waiting_seconds")

        paused = d.pop("paused")

        name = d.pop("name")

        workers = d.pop("workers")

        queue_output = cls(
            backlog=backlog,
            waiting=waiting,
            running=running,
            scheduled=scheduled,
            oldest_waiting_seconds=oldest_waiting_seconds,
            paused=paused,
            name=name,
            workers=workers,
        )

        queue_output.additional_properties = d
        return queue_output

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
