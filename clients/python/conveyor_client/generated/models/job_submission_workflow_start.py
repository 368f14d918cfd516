from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.job_submission_workflow_start_type import (
    JobSubmissionWorkflowStartType,
    check_job_submission_workflow_start_type,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_params_workflow_start import JobParamsWorkflowStart
    from ..models.job_submission_workflow_start_labels import JobSubmissionWorkflowStartLabels


T = TypeVar("T", bound="JobSubmissionWorkflowStart")


@_attrs_define
class JobSubmissionWorkflowStart:
    """A job of type workflow.start: Start a workflow from a template: its jobs join a new workflow, labelled as this job
    is.

        Attributes:
            type_ (JobSubmissionWorkflowStartType):
            params (JobParamsWorkflowStart):
            queue (str | Unset):
            priority (int | Unset):  Default: 5.
            run_at (datetime.datetime | Unset):
            delay_seconds (float | Unset):
            max_attempts (int | Unset):
            timeout_seconds (int | Unset):
            labels (JobSubmissionWorkflowStartLabels | Unset):
            webhook_url (str | Unset): http(s) URL conveyor POSTs the job to, signed, when it ends (docs/webhooks.md)
    """

    type_: JobSubmissionWorkflowStartType
    params: JobParamsWorkflowStart
    queue: str | Unset = UNSET
    priority: int | Unset = 5
    run_at: datetime.datetime | Unset = UNSET
    delay_seconds: float | Unset = UNSET
    max_attempts: int | Unset = UNSET
    timeout_seconds: int | Unset = UNSET
    labels: JobSubmissionWorkflowStartLabels | Unset = UNSET
    webhook_url: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        params = self.params.to_dict()

        queue = self.queue

        priority = self.priority

        run_at: str | Unset = UNSET
        if not isinstance(self.run_at, Unset):
            run_at = self.run_at.isoformat()

        delay_seconds = self.delay_seconds

        max_attempts = self.max_attempts

        timeout_seconds = self.timeout_seconds

        labels: dict[str, Any] | Unset = UNSET
        if not isinstance(self.labels, Unset):
            labels = self.labels.to_dict()

        webhook_url = self.webhook_url

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
                "params": params,
            }
        )
        if queue is not UNSET:
            field_dict["queue"] = queue
        if priority is not UNSET:
            field_dict["priority"] = priority
        if run_at is not UNSET:
            field_dict["run_at"] = run_at
        if delay_seconds is not UNSET:
            field_dict["delay_seconds"] = delay_seconds
        if max_attempts is not UNSET:
            field_dict["max_attempts"] = max_attempts
        if timeout_seconds is not UNSET:
            field_dict["timeout_seconds"] = timeout_seconds
        if labels is not UNSET:
            field_dict["labels"] = labels
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_params_workflow_start import JobParamsWorkflowStart
        from ..models.job_submission_workflow_start_labels import JobSubmissionWorkflowStartLabels

        d = dict(src_dict)
        type_ = check_job_submission_workflow_start_type(d.pop("type"))

        params = JobParamsWorkflowStart.from_dict(d.pop("params"))

        queue = d.pop("queue", UNSET)

        priority = d.pop("priority", UNSET)

        _run_at = d.pop("run_at", UNSET)
        run_at: datetime.datetime | Unset
        if isinstance(_run_at, Unset):
            run_at = UNSET
        else:
            run_at = datetime.datetime.fromisoformat(_run_at)

        delay_seconds = d.pop("delay_seconds", UNSET)

        max_attempts = d.pop("max_attempts", UNSET)

        timeout_seconds = d.pop("timeout_seconds", UNSET)

        _labels = d.pop("labels", UNSET)
        labels: JobSubmissionWorkflowStartLabels | Unset
        if isinstance(_labels, Unset):
            labels = UNSET
        else:
            labels = JobSubmissionWorkflowStartLabels.from_dict(_labels)

        webhook_url = d.pop("webhook_url", UNSET)

        job_submission_workflow_start = cls(
            type_=type_,
            params=params,
            queue=queue,
            priority=priority,
            run_at=run_at,
            delay_seconds=delay_seconds,
            max_attempts=max_attempts,
            timeout_seconds=timeout_seconds,
            labels=labels,
            webhook_url=webhook_url,
        )

        return job_submission_workflow_start
