from typing import Literal

WorkflowJobHttpRequestType = Literal["http.request"]

WORKFLOW_JOB_HTTP_REQUEST_TYPE_VALUES: set[WorkflowJobHttpRequestType] = {
    "http.request",
}


def check_workflow_job_http_request_type(value: str) -> WorkflowJobHttpRequestType:
    if value in WORKFLOW_JOB_HTTP_REQUEST_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {WORKFLOW_JOB_HTTP_REQUEST_TYPE_VALUES!r}"
    )
