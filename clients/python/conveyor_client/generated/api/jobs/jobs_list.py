import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.job_page import JobPage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    label: list[str] | Unset = UNSET,
    limit: int | Unset = UNSET,
    queue: str | Unset = UNSET,
    state: str | Unset = UNSET,
    type_: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_created_after: str | Unset = UNSET
    if not isinstance(created_after, Unset):
        json_created_after = created_after.isoformat()
    params["created_after"] = json_created_after

    json_created_before: str | Unset = UNSET
    if not isinstance(created_before, Unset):
        json_created_before = created_before.isoformat()
    params["created_before"] = json_created_before

    params["cursor"] = cursor

    json_label: list[str] | Unset = UNSET
    if not isinstance(label, Unset):
        json_label = label

    params["label"] = json_label

    params["limit"] = limit

    params["queue"] = queue

    params["state"] = state

    params["type"] = type_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/jobs",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> JobPage | Problem | None:
    if response.status_code == 200:
        response_200 = JobPage.from_dict(response.json())

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
) -> Response[JobPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    label: list[str] | Unset = UNSET,
    limit: int | Unset = UNSET,
    queue: str | Unset = UNSET,
    state: str | Unset = UNSET,
    type_: str | Unset = UNSET,
) -> Response[JobPage | Problem]:
    """``POST /v1/jobs`` submits a job; ``GET /v1/jobs`` lists the client's jobs.

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        label (list[str] | Unset):
        limit (int | Unset):
        queue (str | Unset):
        state (str | Unset):
        type_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JobPage | Problem]
    """

    kwargs = _get_kwargs(
        created_after=created_after,
        created_before=created_before,
        cursor=cursor,
        label=label,
        limit=limit,
        queue=queue,
        state=state,
        type_=type_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    label: list[str] | Unset = UNSET,
    limit: int | Unset = UNSET,
    queue: str | Unset = UNSET,
    state: str | Unset = UNSET,
    type_: str | Unset = UNSET,
) -> JobPage | Problem | None:
    """``POST /v1/jobs`` submits a job; ``GET /v1/jobs`` lists the client's jobs.

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        label (list[str] | Unset):
        limit (int | Unset):
        queue (str | Unset):
        state (str | Unset):
        type_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JobPage | Problem
    """

    return sync_detailed(
        client=client,
        created_after=created_after,
        created_before=created_before,
        cursor=cursor,
        label=label,
        limit=limit,
        queue=queue,
        state=state,
        type_=type_,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    label: list[str] | Unset = UNSET,
    limit: int | Unset = UNSET,
    queue: str | Unset = UNSET,
    state: str | Unset = UNSET,
    type_: str | Unset = UNSET,
) -> Response[JobPage | Problem]:
    """``POST /v1/jobs`` submits a job; ``GET /v1/jobs`` lists the client's jobs.

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        label (list[str] | Unset):
        limit (int | Unset):
        queue (str | Unset):
        state (str | Unset):
        type_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JobPage | Problem]
    """

    kwargs = _get_kwargs(
        created_after=created_after,
        created_before=created_before,
        cursor=cursor,
        label=label,
        limit=limit,
        queue=queue,
        state=state,
        type_=type_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    label: list[str] | Unset = UNSET,
    limit: int | Unset = UNSET,
    queue: str | Unset = UNSET,
    state: str | Unset = UNSET,
    type_: str | Unset = UNSET,
) -> JobPage | Problem | None:
    """``POST /v1/jobs`` submits a job; ``GET /v1/jobs`` lists the client's jobs.

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        label (list[str] | Unset):
        limit (int | Unset):
        queue (str | Unset):
        state (str | Unset):
        type_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JobPage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            created_after=created_after,
            created_before=created_before,
            cursor=cursor,
            label=label,
            limit=limit,
            queue=queue,
            state=state,
            type_=type_,
        )
    ).parsed
