from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.job_params_http_request_method import (
    JobParamsHttpRequestMethod,
    check_job_params_http_request_method,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_params_http_request_body_type_1 import JobParamsHttpRequestBodyType1
    from ..models.job_params_http_request_headers import JobParamsHttpRequestHeaders


T = TypeVar("T", bound="JobParamsHttpRequest")


@_attrs_define
class JobParamsHttpRequest:
    """
    Attributes:
        url (str): http or https URL to call
        method (JobParamsHttpRequestMethod | Unset):  Default: 'GET'.
        headers (JobParamsHttpRequestHeaders | Unset):
        body (JobParamsHttpRequestBodyType1 | list[Any] | None | str | Unset): a string is sent as is; an object or
            array as JSON
        timeout_seconds (float | Unset):  Default: 30.0.
        expect_status (list[int] | None | Unset): statuses that mean success (default: any 2xx)
    """

    url: str
    method: JobParamsHttpRequestMethod | Unset = "GET"
    headers: JobParamsHttpRequestHeaders | Unset = UNSET
    body: JobParamsHttpRequestBodyType1 | list[Any] | str | Unset | None = UNSET
    timeout_seconds: float | Unset = 30.0
    expect_status: list[int] | Unset | None = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.job_params_http_request_body_type_1 import JobParamsHttpRequestBodyType1

        url = self.url

        method: str | Unset = UNSET
        if not isinstance(self.method, Unset):
            method = self.method

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        body: dict[str, Any] | list[Any] | str | Unset | None
        if isinstance(self.body, Unset):
            body = UNSET
        elif isinstance(self.body, JobParamsHttpRequestBodyType1):
            body = self.body.to_dict()
        elif isinstance(self.body, list):
            body = self.body

        else:
            body = self.body

        timeout_seconds = self.timeout_seconds

        expect_status: list[int] | Unset | None
        if isinstance(self.expect_status, Unset):
            expect_status = UNSET
        elif isinstance(self.expect_status, list):
            expect_status = self.expect_status

        else:
            expect_status = self.expect_status

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "url": url,
            }
        )
        if method is not UNSET:
            field_dict["method"] = method
        if headers is not UNSET:
            field_dict["headers"] = headers
        if body is not UNSET:
            field_dict["body"] = body
        if timeout_seconds is not UNSET:
            field_dict["timeout_seconds"] = timeout_seconds
        if expect_status is not UNSET:
            field_dict["expect_status"] = expect_status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_params_http_request_body_type_1 import JobParamsHttpRequestBodyType1
        from ..models.job_params_http_request_headers import JobParamsHttpRequestHeaders

        d = dict(src_dict)
        url = d.pop("url")

        _method = d.pop("method", UNSET)
        method: JobParamsHttpRequestMethod | Unset
        if isinstance(_method, Unset):
            method = UNSET
        else:
            method = check_job_params_http_request_method(_method)

        _headers = d.pop("headers", UNSET)
        headers: JobParamsHttpRequestHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = JobParamsHttpRequestHeaders.from_dict(_headers)

        def _parse_body(
            data: object,
        ) -> JobParamsHttpRequestBodyType1 | list[Any] | str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                body_type_1 = JobParamsHttpRequestBodyType1.from_dict(data)

                return body_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, list):
                    raise TypeError()
                body_type_2 = cast(list[Any], data)

                return body_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JobParamsHttpRequestBodyType1 | list[Any] | None | str | Unset, data)

        body = _parse_body(d.pop("body", UNSET))

        timeout_seconds = d.pop("timeout_seconds", UNSET)

        def _parse_expect_status(data: object) -> list[int] | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                expect_status_type_0 = cast(list[int], data)

                return expect_status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        expect_status = _parse_expect_status(d.pop("expect_status", UNSET))

        job_params_http_request = cls(
            url=url,
            method=method,
            headers=headers,
            body=body,
            timeout_seconds=timeout_seconds,
            expect_status=expect_status,
        )

        return job_params_http_request
