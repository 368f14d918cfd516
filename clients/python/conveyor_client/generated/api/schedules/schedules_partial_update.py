from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.patched_schedule_update_input_request import PatchedScheduleUpdateInputRequest
from ...models.problem import Problem
from ...models.schedule_output import ScheduleOutput
from ...types import UNSET, Response, Unset


def _get_kwargs(
    schedule_id: UUID,
    *,
    body: PatchedScheduleUpdateInputRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/schedules/{schedule_id}".format(
            schedule_id=quote(str(schedule_id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ScheduleOutput | None:
    if response.status_code == 200:
        response_200 = ScheduleOutput.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

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
) -> Response[Problem | ScheduleOutput]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    schedule_id: UUID,
    *,
    client: AuthenticatedClient,
    body: PatchedScheduleUpdateInputRequest | Unset = UNSET,
) -> Response[Problem | ScheduleOutput]:
    """``GET``, ``PATCH`` and ``DELETE /v1/schedules/{id}``.

    Args:
        schedule_id (UUID):
        body (PatchedScheduleUpdateInputRequest | Unset): A PATCH: what is given changes. A timing
            replaces the other kind (cron for an
            interval or the reverse); a job template replaces the whole template.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ScheduleOutput]
    """

    kwargs = _get_kwargs(
        schedule_id=schedule_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    schedule_id: UUID,
    *,
    client: AuthenticatedClient,
    body: PatchedScheduleUpdateInputRequest | Unset = UNSET,
) -> Problem | ScheduleOutput | None:
    """``GET``, ``PATCH`` and ``DELETE /v1/schedules/{id}``.

    Args:
        schedule_id (UUID):
        body (PatchedScheduleUpdateInputRequest | Unset): A PATCH: what is given changes. A timing
            replaces the other kind (cron for an
            interval or the reverse); a job template replaces the whole template.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ScheduleOutput
    """

    return sync_detailed(
        schedule_id=schedule_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    schedule_id: UUID,
    *,
    client: AuthenticatedClient,
    body: PatchedScheduleUpdateInputRequest | Unset = UNSET,
) -> Response[Problem | ScheduleOutput]:
    """``GET``, ``PATCH`` and ``DELETE /v1/schedules/{id}``.

    Args:
        schedule_id (UUID):
        body (PatchedScheduleUpdateInputRequest | Unset): A PATCH: what is given changes. A timing
            replaces the other kind (cron for an
            interval or the reverse); a job template replaces the whole template.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ScheduleOutput]
    """

    kwargs = _get_kwargs(
        schedule_id=schedule_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    schedule_id: UUID,
    *,
    client: AuthenticatedClient,
    body: PatchedScheduleUpdateInputRequest | Unset = UNSET,
) -> Problem | ScheduleOutput | None:
    """``GET``, ``PATCH`` and ``DELETE /v1/schedules/{id}``.

    Args:
        schedule_id (UUID):
        body (PatchedScheduleUpdateInputRequest | Unset): A PATCH: what is given changes. A timing
            replaces the other kind (cron for an
            interval or the reverse); a job template replaces the whole template.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ScheduleOutput
    """

    return (
        await asyncio_detailed(
            schedule_id=schedule_id,
            client=client,
            body=body,
        )
    ).parsed
