from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.job_submission_demo_cpu import JobSubmissionDemoCpu
    from ..models.job_submission_demo_fanout import JobSubmissionDemoFanout
    from ..models.job_submission_demo_gather import JobSubmissionDemoGather
    from ..models.job_submission_demo_noop import JobSubmissionDemoNoop
    from ..models.job_submission_demo_sleep import JobSubmissionDemoSleep
    from ..models.job_submission_django_task import JobSubmissionDjangoTask
    from ..models.job_submission_http_request import JobSubmissionHttpRequest
    from ..models.job_submission_workflow_start import JobSubmissionWorkflowStart


T = TypeVar("T", bound="JobBatchInputRequest")


@_attrs_define
class JobBatchInputRequest:
    """
    Attributes:
        jobs (list[JobSubmissionDemoCpu | JobSubmissionDemoFanout | JobSubmissionDemoGather | JobSubmissionDemoNoop |
            JobSubmissionDemoSleep | JobSubmissionDjangoTask | JobSubmissionHttpRequest | JobSubmissionWorkflowStart]):
    """

    jobs: list[
        JobSubmissionDemoCpu
        | JobSubmissionDemoFanout
        | JobSubmissionDemoGather
        | JobSubmissionDemoNoop
        | JobSubmissionDemoSleep
        | JobSubmissionDjangoTask
        | JobSubmissionHttpRequest
        | JobSubmissionWorkflowStart
    ]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.job_submission_demo_cpu import JobSubmissionDemoCpu
        from ..models.job_submission_demo_fanout import JobSubmissionDemoFanout
        from ..models.job_submission_demo_gather import JobSubmissionDemoGather
        from ..models.job_submission_demo_noop import JobSubmissionDemoNoop
        from ..models.job_submission_demo_sleep import JobSubmissionDemoSleep
        from ..models.job_submission_django_task import JobSubmissionDjangoTask
        from ..models.job_submission_http_request import JobSubmissionHttpRequest

        jobs = []
        for jobs_item_data in self.jobs:
            jobs_item: dict[str, Any]
            if (
                isinstance(jobs_item_data, JobSubmissionDemoCpu)
                or isinstance(jobs_item_data, JobSubmissionDemoFanout)
                or isinstance(jobs_item_data, JobSubmissionDemoGather)
                or isinstance(jobs_item_data, JobSubmissionDemoNoop)
                or isinstance(jobs_item_data, JobSubmissionDemoSleep)
                or isinstance(jobs_item_data, JobSubmissionDjangoTask)
                or isinstance(jobs_item_data, JobSubmissionHttpRequest)
            ):
                jobs_item = jobs_item_data.to_dict()
            else:
                jobs_item = jobs_item_data.to_dict()

            jobs.append(jobs_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "jobs": jobs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_submission_demo_cpu import JobSubmissionDemoCpu
        from ..models.job_submission_demo_fanout import JobSubmissionDemoFanout
        from ..models.job_submission_demo_gather import JobSubmissionDemoGather
        from ..models.job_submission_demo_noop import JobSubmissionDemoNoop
        from ..models.job_submission_demo_sleep import JobSubmissionDemoSleep
        from ..models.job_submission_django_task import JobSubmissionDjangoTask
        from ..models.job_submission_http_request import JobSubmissionHttpRequest
        from ..models.job_submission_workflow_start import JobSubmissionWorkflowStart

        d = dict(src_dict)
        jobs = []
        _jobs = d.pop("jobs")
        for jobs_item_data in _jobs:

            def _parse_jobs_item(
                data: object,
            ) -> (
                JobSubmissionDemoCpu
                | JobSubmissionDemoFanout
                | JobSubmissionDemoGather
                | JobSubmissionDemoNoop
                | JobSubmissionDemoSleep
                | JobSubmissionDjangoTask
                | JobSubmissionHttpRequest
                | JobSubmissionWorkflowStart
            ):
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_job_submission_type_0 = JobSubmissionDemoCpu.from_dict(data)

                    return componentsschemas_job_submission_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_job_submission_type_1 = JobSubmissionDemoFanout.from_dict(
                        data
                    )

                    return componentsschemas_job_submission_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_job_submission_type_2 = JobSubmissionDemoGather.from_dict(
                        data
                    )

                    return componentsschemas_job_submission_type_2
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_job_submission_type_3 = JobSubmissionDemoNoop.from_dict(data)

                    return componentsschemas_job_submission_type_3
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_job_submission_type_4 = JobSubmissionDemoSleep.from_dict(data)

                    return componentsschemas_job_submission_type_4
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_job_submission_type_5 = JobSubmissionDjangoTask.from_dict(
                        data
                    )

                    return componentsschemas_job_submission_type_5
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_job_submission_type_6 = JobSubmissionHttpRequest.from_dict(
                        data
                    )

                    return componentsschemas_job_submission_type_6
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_job_submission_type_7 = JobSubmissionWorkflowStart.from_dict(data)

                return componentsschemas_job_submission_type_7

            jobs_item = _parse_jobs_item(jobs_item_data)

            jobs.append(jobs_item)

        job_batch_input_request = cls(
            jobs=jobs,
        )

        job_batch_input_request.additional_properties = d
        return job_batch_input_request

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
