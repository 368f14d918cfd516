from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.workflow_create_input_request_labels import WorkflowCreateInputRequestLabels
    from ..models.workflow_job_demo_cpu import WorkflowJobDemoCpu
    from ..models.workflow_job_demo_fanout import WorkflowJobDemoFanout
    from ..models.workflow_job_demo_gather import WorkflowJobDemoGather
    from ..models.workflow_job_demo_noop import WorkflowJobDemoNoop
    from ..models.workflow_job_demo_sleep import WorkflowJobDemoSleep
    from ..models.workflow_job_django_task import WorkflowJobDjangoTask
    from ..models.workflow_job_http_request import WorkflowJobHttpRequest
    from ..models.workflow_job_workflow_start import WorkflowJobWorkflowStart


T = TypeVar("T", bound="WorkflowCreateInputRequest")


@_attrs_define
class WorkflowCreateInputRequest:
    """
    Attributes:
        jobs (list[WorkflowJobDemoCpu | WorkflowJobDemoFanout | WorkflowJobDemoGather | WorkflowJobDemoNoop |
            WorkflowJobDemoSleep | WorkflowJobDjangoTask | WorkflowJobHttpRequest | WorkflowJobWorkflowStart]): The
            workflow's jobs: a DAG by their depends_on.
        name (str | Unset):  Default: ''.
        labels (WorkflowCreateInputRequestLabels | Unset):
    """

    jobs: list[
        WorkflowJobDemoCpu
        | WorkflowJobDemoFanout
        | WorkflowJobDemoGather
        | WorkflowJobDemoNoop
        | WorkflowJobDemoSleep
        | WorkflowJobDjangoTask
        | WorkflowJobHttpRequest
        | WorkflowJobWorkflowStart
    ]
    name: str | Unset = ""
    labels: WorkflowCreateInputRequestLabels | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.workflow_job_demo_cpu import WorkflowJobDemoCpu
        from ..models.workflow_job_demo_fanout import WorkflowJobDemoFanout
        from ..models.workflow_job_demo_gather import WorkflowJobDemoGather
        from ..models.workflow_job_demo_noop import WorkflowJobDemoNoop
        from ..models.workflow_job_demo_sleep import WorkflowJobDemoSleep
        from ..models.workflow_job_django_task import WorkflowJobDjangoTask
        from ..models.workflow_job_http_request import WorkflowJobHttpRequest

        jobs = []
        for jobs_item_data in self.jobs:
            jobs_item: dict[str, Any]
            if (
                isinstance(jobs_item_data, WorkflowJobDemoCpu)
                or isinstance(jobs_item_data, WorkflowJobDemoFanout)
                or isinstance(jobs_item_data, WorkflowJobDemoGather)
                or isinstance(jobs_item_data, WorkflowJobDemoNoop)
                or isinstance(jobs_item_data, WorkflowJobDemoSleep)
                or isinstance(jobs_item_data, WorkflowJobDjangoTask)
                or isinstance(jobs_item_data, WorkflowJobHttpRequest)
            ):
                jobs_item = jobs_item_data.to_dict()
            else:
                jobs_item = jobs_item_data.to_dict()

            jobs.append(jobs_item)

        name = self.name

        labels: dict[str, Any] | Unset = UNSET
        if not isinstance(self.labels, Unset):
            labels = self.labels.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "jobs": jobs,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if labels is not UNSET:
            field_dict["labels"] = labels

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.workflow_create_input_request_labels import WorkflowCreateInputRequestLabels
        from ..models.workflow_job_demo_cpu import WorkflowJobDemoCpu
        from ..models.workflow_job_demo_fanout import WorkflowJobDemoFanout
        from ..models.workflow_job_demo_gather import WorkflowJobDemoGather
        from ..models.workflow_job_demo_noop import WorkflowJobDemoNoop
        from ..models.workflow_job_demo_sleep import WorkflowJobDemoSleep
        from ..models.workflow_job_django_task import WorkflowJobDjangoTask
        from ..models.workflow_job_http_request import WorkflowJobHttpRequest
        from ..models.workflow_job_workflow_start import WorkflowJobWorkflowStart

        d = dict(src_dict)
        jobs = []
        _jobs = d.pop("jobs")
        for jobs_item_data in _jobs:

            def _parse_jobs_item(
                data: object,
            ) -> (
                WorkflowJobDemoCpu
                | WorkflowJobDemoFanout
                | WorkflowJobDemoGather
                | WorkflowJobDemoNoop
                | WorkflowJobDemoSleep
                | WorkflowJobDjangoTask
                | WorkflowJobHttpRequest
                | WorkflowJobWorkflowStart
            ):
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_workflow_job_type_0 = WorkflowJobDemoCpu.from_dict(data)

                    return componentsschemas_workflow_job_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_workflow_job_type_1 = WorkflowJobDemoFanout.from_dict(data)

                    return componentsschemas_workflow_job_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_workflow_job_type_2 = WorkflowJobDemoGather.from_dict(data)

                    return componentsschemas_workflow_job_type_2
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_workflow_job_type_3 = WorkflowJobDemoNoop.from_dict(data)

                    return componentsschemas_workflow_job_type_3
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_workflow_job_type_4 = WorkflowJobDemoSleep.from_dict(data)

                    return componentsschemas_workflow_job_type_4
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_workflow_job_type_5 = WorkflowJobDjangoTask.from_dict(data)

                    return componentsschemas_workflow_job_type_5
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_workflow_job_type_6 = WorkflowJobHttpRequest.from_dict(data)

                    return componentsschemas_workflow_job_type_6
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_workflow_job_type_7 = WorkflowJobWorkflowStart.from_dict(data)

                return componentsschemas_workflow_job_type_7

            jobs_item = _parse_jobs_item(jobs_item_data)

            jobs.append(jobs_item)

        name = d.pop("name", UNSET)

        _labels = d.pop("labels", UNSET)
        labels: WorkflowCreateInputRequestLabels | Unset
        if isinstance(_labels, Unset):
            labels = UNSET
        else:
            labels = WorkflowCreateInputRequestLabels.from_dict(_labels)

        workflow_create_input_request = cls(
            jobs=jobs,
            name=name,
            labels=labels,
        )

        workflow_create_input_request.additional_properties = d
        return workflow_create_input_request

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
