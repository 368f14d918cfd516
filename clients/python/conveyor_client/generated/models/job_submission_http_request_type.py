from typing import Literal

JobSubmissionHttpRequestType = Literal["http.request"]

JOB_SUBMISSION_HTTP_REQUEST_TYPE_VALUES: set[JobSubmissionHttpRequestType] = {
    "http.request",
}


def check_job_submission_http_request_type(value: str) -> JobSubmissionHttpRequestType:
    if value in JOB_SUBMISSION_HTTP_REQUEST_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOB_SUBMISSION_HTTP_REQUEST_TYPE_VALUES!r}"
    )
