from typing import Literal

ScheduleJobHttpRequestType = Literal["http.request"]

SCHEDULE_JOB_HTTP_REQUEST_TYPE_VALUES: set[ScheduleJobHttpRequestType] = {
    "http.request",
}


def check_schedule_job_http_request_type(value: str) -> ScheduleJobHttpRequestType:
    if value in SCHEDULE_JOB_HTTP_REQUEST_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SCHEDULE_JOB_HTTP_REQUEST_TYPE_VALUES!r}"
    )
