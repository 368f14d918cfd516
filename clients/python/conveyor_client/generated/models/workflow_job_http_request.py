from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.on_dependency_failure_enum import (
    OnDependencyFailureEnum,
    check_on_dependency_failure_enum,
)
from ..models.workflow_job_http_request_type import (
    WorkflowJobHttpRequestType,
    check_workflow_job_http_request_type,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_params_http_request import JobParamsHttpRequest
    from ..models.workflow_job_http_request_labels import WorkflowJobHttpRequestLabels


T = TypeVar("T", bound="WorkflowJobHttpRequest")


@_attrs_define
class WorkflowJobHttpRequest:
    """A workflow's job of type http.request: Call a URL; the result holds the status, the headers and a bounded body.

    Attributes:
        type_ (WorkflowJobHttpRequestType):
        id (str): The job's id in this request: its name in the workflow.
        params (JobParamsHttpRequest | Unset):
        queue (str | Unset):
        priority (int | Unset):  Default: 5.
        run_at (datetime.datetime | Unset):
        delay_seconds (float | Unset):
        max_attempts (int | Unset):
        timeout_seconds (int | Unset):
        labels (WorkflowJobHttpRequestLabels | Unset):
        webhook_url (str | Unset): http(s) URL conveyor POSTs the job to, signed, when it ends (docs/webhooks.md)
        depends_on (list[str] | Unset): Ids (in this request) of the jobs this one waits for; it is queued once they
            have all succeeded.
        on_dependency_failure (OnDependencyFailureEnum | Unset): * `cancel` - Cancel
            * `run` - Run Default: 'cancel'.
        results_param (str | Unset): The param that receives the dependencies' outcomes when the job is released: {id:
            {"state": "succeeded", "result": ...} or {"state": "failed", "error": {"type", "message"}}}; validated with the
            other params then. Default: ''.
    """

    type_: WorkflowJobHttpRequestType
    id: str
    params: JobParamsHttpRequest | Unset = UNSET
    queue: str | Unset = UNSET
    priority: int | Unset = 5
    run_at: datetime.datetime | Unset = UNSET
    delay_seconds: float | Unset = UNSET
    max_attempts: int | Unset = UNSET
    timeout_seconds: int | Unset = UNSET
    labels: WorkflowJobHttpRequestLabels | Unset = UNSET
    webhook_url: str | Unset = UNSET
    depends_on: list[str] | Unset = UNSET
    on_dependency_failure: OnDependencyFailureEnum | Unset = "cancel"
    results_param: str | Unset = ""

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        id = self.id

        params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.params, Unset):
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

        depends_on: list[str] | Unset = UNSET
        if not isinstance(self.depends_on, Unset):
            depends_on = self.depends_on

        on_dependency_failure: str | Unset = UNSET
        if not isinstance(self.on_dependency_failure, Unset):
            on_dependency_failure = self.on_dependency_failure

        results_param = self.results_param

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
                "id": id,
            }
        )
        if params is not UNSET:
            field_dict["params"] = params
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
        if depends_on is not UNSET:
            field_dict["depends_on"] = depends_on
        if on_dependency_failure is not UNSET:
            field_dict["on_dependency_failure"] = on_dependency_failure
        if results_param is not UNSET:
            field_dict["results_param"] = results_param

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_params_http_request import JobParamsHttpRequest
        from ..models.workflow_job_http_request_labels import WorkflowJobHttpRequestLabels

        d = dict(src_dict)
        type_ = check_workflow_job_http_request_type(d.pop("type"))

        id = d.pop("id")

        _params = d.pop("params", UNSET)
        params: JobParamsHttpRequest | Unset
        if isinstance(_params, Unset):
            params = UNSET
        else:
            params = JobParamsHttpRequest.from_dict(_params)

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
        labels: WorkflowJobHttpRequestLabels | Unset
        if isinstance(_labels, Unset):
            labels = UNSET
        else:
            labels = WorkflowJobHttpRequestLabels.from_dict(_labels)

        webhook_url = d.pop("webhook_url", UNSET)

        depends_on = cast(list[str], d.pop("depends_on", UNSET))

        _on_dependency_failure = d.pop("on_dependency_failure", UNSET)
        on_dependency_failure: OnDependencyFailureEnum | Unset
        if isinstance(_on_dependency_failure, Unset):
            on_dependency_failure = UNSET
        else:
            on_dependency_failure = check_on_dependency_failure_enum(_on_dependency_failure)

        results_param = d.pop("results_param", UNSET)

        workflow_job_http_request = cls(
            type_=type_,
            id=id,
            params=params,
            queue=queue,
            priority=priority,
            run_at=run_at,
            delay_seconds=delay_seconds,
            max_attempts=max_attempts,
            timeout_seconds=timeout_seconds,
            labels=labels,
            webhook_url=webhook_url,
            depends_on=depends_on,
            on_dependency_failure=on_dependency_failure,
            results_param=results_param,
        )

        return workflow_job_http_request
