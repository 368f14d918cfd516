from typing import Literal

JobParamsHttpRequestMethod = Literal["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"]

JOB_PARAMS_HTTP_REQUEST_METHOD_VALUES: set[JobParamsHttpRequestMethod] = {
    "DELETE",
    "GET",
    "HEAD",
    "PATCH",
    "POST",
    "PUT",
}


def check_job_params_http_request_method(value: str) -> JobParamsHttpRequestMethod:
    if value in JOB_PARAMS_HTTP_REQUEST_METHOD_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOB_PARAMS_HTTP_REQUEST_METHOD_VALUES!r}"
    )
