from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.workflow_output_state_enum import (
    WorkflowOutputStateEnum,
    check_workflow_output_state_enum,
)

if TYPE_CHECKING:
    from ..models.workflow_output_job_states import WorkflowOutputJobStates
    from ..models.workflow_output_labels import WorkflowOutputLabels
    from ..models.workflow_step_output import WorkflowStepOutput


T = TypeVar("T", bound="WorkflowOutput")


@_attrs_define
class WorkflowOutput:
    """
    Attributes:
        id (UUID):
        name (str):
        labels (WorkflowOutputLabels):
        state (WorkflowOutputStateEnum): * `running` - Running
            * `succeeded` - Succeeded
            * `failed` - Failed
            * `cancelled` - Cancelled
        job_states (WorkflowOutputJobStates): How many of its jobs are in each state.
        created_at (datetime.datetime):
        cancel_requested_at (datetime.datetime | None):
        finished_at (datetime.datetime | None):
        jobs (list[WorkflowStepOutput]):
    """

    id: UUID
    name: str
    labels: WorkflowOutputLabels
    state: WorkflowOutputStateEnum
    job_states: WorkflowOutputJobStates
    created_at: datetime.datetime
    cancel_requested_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    jobs: list[WorkflowStepOutput]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        name = self.name

        labels = self.labels.to_dict()

        state: str = self.state

        job_states = self.job_states.to_dict()

        created_at = self.created_at.isoformat()

        cancel_requested_at: str | None
        if isinstance(self.cancel_requested_at, datetime.datetime):
            cancel_requested_at = self.cancel_requested_at.isoformat()
        else:
            cancel_requested_at = self.cancel_requested_at

        finished_at: str | None
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        jobs = []
        for jobs_item_data in self.jobs:
            jobs_item = jobs_item_data.to_dict()
            jobs.append(jobs_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "labels": labels,
                "state": state,
                "job_states": job_states,
                "created_at": created_at,
                "cancel_requested_at": cancel_requested_at,
                "finished_at": finished_at,
                "jobs": jobs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.workflow_output_job_states import WorkflowOutputJobStates
        from ..models.workflow_output_labels import WorkflowOutputLabels
        from ..models.workflow_step_output import WorkflowStepOutput

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        labels = WorkflowOutputLabels.from_dict(d.pop("labels"))

        state = check_workflow_output_state_enum(d.pop("state"))

        job_states = WorkflowOutputJobStates.from_dict(d.pop("job_states"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_cancel_requested_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                cancel_requested_at_type_0 = datetime.datetime.fromisoformat(data)

                return cancel_requested_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        cancel_requested_at = _parse_cancel_requested_at(d.pop("cancel_requested_at"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        jobs = []
        _jobs = d.pop("jobs")
        for jobs_item_data in _jobs:
            jobs_item = WorkflowStepOutput.from_dict(jobs_item_data)

            jobs.append(jobs_item)

        workflow_output = cls(
            id=id,
            name=name,
            labels=labels,
            state=state,
            job_states=job_states,
            created_at=created_at,
            cancel_requested_at=cancel_requested_at,
            finished_at=finished_at,
            jobs=jobs,
        )

        workflow_output.additional_properties = d
        return workflow_output

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
