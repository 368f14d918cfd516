from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.job_params_workflow_start_jobs_item import JobParamsWorkflowStartJobsItem


T = TypeVar("T", bound="JobParamsWorkflowStart")


@_attrs_define
class JobParamsWorkflowStart:
    """
    Attributes:
        jobs (list[JobParamsWorkflowStartJobsItem]): the workflow's jobs, as POST /v1/workflows takes them (id, type,
            params, depends_on, ...)
    """

    jobs: list[JobParamsWorkflowStartJobsItem]

    def to_dict(self) -> dict[str, Any]:
        jobs = []
        for jobs_item_data in self.jobs:
            jobs_item = jobs_item_data.to_dict()
            jobs.append(jobs_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "jobs": jobs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_params_workflow_start_jobs_item import JobParamsWorkflowStartJobsItem

        d = dict(src_dict)
        jobs = []
        _jobs = d.pop("jobs")
        for jobs_item_data in _jobs:
            jobs_item = JobParamsWorkflowStartJobsItem.from_dict(jobs_item_data)

            jobs.append(jobs_item)

        job_params_workflow_start = cls(
            jobs=jobs,
        )

        return job_params_workflow_start
