from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.job_bulk_input_request import JobBulkInputRequest
from ...models.job_bulk_output import JobBulkOutput
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: JobBulkInputRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/jobs/cancel",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> JobBulkOutput | Problem | None:
    if response.status_code == 200:
        response_200 = JobBulkOutput.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[JobBulkOutput | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: JobBulkInputRequest | Unset = UNSET,
) -> Response[JobBulkOutput | Problem]:
    """``POST /v1/jobs/cancel``: cancel the client's unfinished jobs a filter matches.

    Args:
        body (JobBulkInputRequest | Unset): Which of the client's jobs a bulk action takes: ``GET
            /v1/jobs``'s filters, as JSON
            (lists rather than comma-separated text), at least one given.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JobBulkOutput | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: JobBulkInputRequest | Unset = UNSET,
) -> JobBulkOutput | Problem | None:
    """``POST /v1/jobs/cancel``: cancel the client's unfinished jobs a filter matches.

    Args:
        body (JobBulkInputRequest | Unset): Which of the client's jobs a bulk action takes: ``GET
            /v1/jobs``'s filters, as JSON
            (lists rather than comma-separated text), at least one given.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JobBulkOutput | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: JobBulkInputRequest | Unset = UNSET,
) -> Response[JobBulkOutput | Problem]:
    """``POST /v1/jobs/cancel``: cancel the client's unfinished jobs a filter matches.

    Args:
        body (JobBulkInputRequest | Unset): Which of the client's jobs a bulk action takes: ``GET
            /v1/jobs``'s filters, as JSON
            (lists rather than comma-separated text), at least one given.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JobBulkOutput | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: JobBulkInputRequest | Unset = UNSET,
) -> JobBulkOutput | Problem | None:
    """``POST /v1/jobs/cancel``: cancel the client's unfinished jobs a filter matches.

    Args:
        body (JobBulkInputRequest | Unset): Which of the client's jobs a bulk action takes: ``GET
            /v1/jobs``'s filters, as JSON
            (lists rather than comma-separated text), at least one given.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JobBulkOutput | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
