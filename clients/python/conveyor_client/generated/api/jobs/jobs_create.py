from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.job_output import JobOutput
from ...models.job_submission_demo_cpu import JobSubmissionDemoCpu
from ...models.job_submission_demo_fanout import JobSubmissionDemoFanout
from ...models.job_submission_demo_gather import JobSubmissionDemoGather
from ...models.job_submission_demo_noop import JobSubmissionDemoNoop
from ...models.job_submission_demo_sleep import JobSubmissionDemoSleep
from ...models.job_submission_django_task import JobSubmissionDjangoTask
from ...models.job_submission_http_request import JobSubmissionHttpRequest
from ...models.job_submission_workflow_start import JobSubmissionWorkflowStart
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: JobSubmissionDemoCpu
    | JobSubmissionDemoFanout
    | JobSubmissionDemoGather
    | JobSubmissionDemoNoop
    | JobSubmissionDemoSleep
    | JobSubmissionDjangoTask
    | JobSubmissionHttpRequest
    | JobSubmissionWorkflowStart,
    wait: float | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    params: dict[str, Any] = {}

    params["wait"] = wait

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/jobs",
        "params": params,
    }

    if (
        isinstance(body, JobSubmissionDemoCpu)
        or isinstance(body, JobSubmissionDemoFanout)
        or isinstance(body, JobSubmissionDemoGather)
        or isinstance(body, JobSubmissionDemoNoop)
        or isinstance(body, JobSubmissionDemoSleep)
        or isinstance(body, JobSubmissionDjangoTask)
        or isinstance(body, JobSubmissionHttpRequest)
    ):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> JobOutput | Problem | None:
    if response.status_code == 200:
        response_200 = JobOutput.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = JobOutput.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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
) -> Response[JobOutput | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: JobSubmissionDemoCpu
    | JobSubmissionDemoFanout
    | JobSubmissionDemoGather
    | JobSubmissionDemoNoop
    | JobSubmissionDemoSleep
    | JobSubmissionDjangoTask
    | JobSubmissionHttpRequest
    | JobSubmissionWorkflowStart,
    wait: float | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[JobOutput | Problem]:
    """``POST /v1/jobs`` submits a job; ``GET /v1/jobs`` lists the client's jobs.

    Args:
        wait (float | Unset):
        idempotency_key (str | Unset):
        body (JobSubmissionDemoCpu | JobSubmissionDemoFanout | JobSubmissionDemoGather |
            JobSubmissionDemoNoop | JobSubmissionDemoSleep | JobSubmissionDjangoTask |
            JobSubmissionHttpRequest | JobSubmissionWorkflowStart): A job to run: its type, and params
            of that type's schema.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JobOutput | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        wait=wait,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: JobSubmissionDemoCpu
    | JobSubmissionDemoFanout
    | JobSubmissionDemoGather
    | JobSubmissionDemoNoop
    | JobSubmissionDemoSleep
    | JobSubmissionDjangoTask
    | JobSubmissionHttpRequest
    | JobSubmissionWorkflowStart,
    wait: float | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> JobOutput | Problem | None:
    """``POST /v1/jobs`` submits a job; ``GET /v1/jobs`` lists the client's jobs.

    Args:
        wait (float | Unset):
        idempotency_key (str | Unset):
        body (JobSubmissionDemoCpu | JobSubmissionDemoFanout | JobSubmissionDemoGather |
            JobSubmissionDemoNoop | JobSubmissionDemoSleep | JobSubmissionDjangoTask |
            JobSubmissionHttpRequest | JobSubmissionWorkflowStart): A job to run: its type, and params
            of that type's schema.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JobOutput | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        wait=wait,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: JobSubmissionDemoCpu
    | JobSubmissionDemoFanout
    | JobSubmissionDemoGather
    | JobSubmissionDemoNoop
    | JobSubmissionDemoSleep
    | JobSubmissionDjangoTask
    | JobSubmissionHttpRequest
    | JobSubmissionWorkflowStart,
    wait: float | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[JobOutput | Problem]:
    """``POST /v1/jobs`` submits a job; ``GET /v1/jobs`` lists the client's jobs.

    Args:
        wait (float | Unset):
        idempotency_key (str | Unset):
        body (JobSubmissionDemoCpu | JobSubmissionDemoFanout | JobSubmissionDemoGather |
            JobSubmissionDemoNoop | JobSubmissionDemoSleep | JobSubmissionDjangoTask |
            JobSubmissionHttpRequest | JobSubmissionWorkflowStart): A job to run: its type, and params
            of that type's schema.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JobOutput | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        wait=wait,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: JobSubmissionDemoCpu
    | JobSubmissionDemoFanout
    | JobSubmissionDemoGather
    | JobSubmissionDemoNoop
    | JobSubmissionDemoSleep
    | JobSubmissionDjangoTask
    | JobSubmissionHttpRequest
    | JobSubmissionWorkflowStart,
    wait: float | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> JobOutput | Problem | None:
    """``POST /v1/jobs`` submits a job; ``GET /v1/jobs`` lists the client's jobs.

    Args:
        wait (float | Unset):
        idempotency_key (str | Unset):
        body (JobSubmissionDemoCpu | JobSubmissionDemoFanout | JobSubmissionDemoGather |
            JobSubmissionDemoNoop | JobSubmissionDemoSleep | JobSubmissionDjangoTask |
            JobSubmissionHttpRequest | JobSubmissionWorkflowStart): A job to run: its type, and params
            of that type's schema.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JobOutput | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            wait=wait,
            idempotency_key=idempotency_key,
        )
    ).parsed
