"""``http.request``: call a URL reliably, in the spirit of Cloud Tasks' HTTP targets.

Private, loopback and link-local destinations are refused unless
``CONVEYOR_HTTP_ALLOWED_NETWORKS`` lists them; the check is made on the address actually
connected to, so DNS tricks cannot get around it. The handler is in
``conveyor_worker/handlers/http_request.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import AnyHttpUrl, Field, field_validator

from conveyor.jobs.types import JobParams, RetryableError, RetryPolicy, job_type

FORBIDDEN_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "upgrade",
        "te",
        "trailer",
        "keep-alive",
        "proxy-authorization",
    }
)


class HttpRequestParams(JobParams):
    url: AnyHttpUrl = Field(description="http or https URL to call")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] = "GET"
    headers: dict[str, str] = Field(default_factory=dict, max_length=50)
    body: str | dict[str, Any] | list[Any] | None = Field(
        default=None, description="a string is sent as is; an object or array as JSON"
    )
    timeout_seconds: float = Field(default=30, gt=0, le=300)
    expect_status: list[int] | None = Field(
        default=None,
        description="statuses that mean success (default: any 2xx)",
        min_length=1,
        max_length=50,
    )

    @field_validator("headers")
    @classmethod
    def _no_transport_headers(cls, value: dict[str, str]) -> dict[str, str]:
        bad = sorted(k for k in value if k.lower() in FORBIDDEN_HEADERS)
        if bad:
            raise ValueError(f"headers {bad} are set by the client itself")
        return value

    @field_validator("expect_status")
    @classmethod
    def _statuses(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(not 100 <= s <= 599 for s in value):
            raise ValueError("statuses must be between 100 and 599")
        return value


HTTP_REQUEST = job_type(
    "http.request",
    params=HttpRequestParams,
    time_limit=timedelta(minutes=6),
    retry=RetryPolicy(
        max_attempts=5,
        backoff=timedelta(seconds=2),
        backoff_max=timedelta(minutes=5),
        retry_on=(RetryableError,),
    ),
    description="Call a URL; the result holds the status, the headers and a bounded body.",
)
