"""What the sync and async clients send and how they read the answers: shared, so the two
differ only in how they wait."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from conveyor_client.generated.models.job_detail_output import JobDetailOutput
from conveyor_client.generated.models.job_output import JobOutput
from conveyor_client.generated.models.job_page import JobPage
from conveyor_client.problems import error_for

FINAL_STATES = frozenset({"succeeded", "failed", "cancelled"})
#: The longest single long-poll (the API's CONVEYOR_LONG_POLL_MAX_SECONDS default).
LONG_POLL_SECONDS = 30.0


def submission(
    type: str,
    params: Mapping[str, Any] | None,
    options: Mapping[str, Any],
) -> dict[str, Any]:
    """The body of ``POST /v1/jobs``: the type, its params and the options given."""
    body: dict[str, Any] = {"type": type, **{k: v for k, v in options.items() if v is not None}}
    if params is not None:
        body["params"] = dict(params)
    if isinstance(body.get("run_at"), datetime):
        body["run_at"] = body["run_at"].isoformat()
    return body


def submit_headers(idempotency_key: str | None) -> dict[str, str]:
    """A submission always carries an Idempotency-Key, so a retried one makes one job."""
    return {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}


def list_query(
    *,
    state: Sequence[str] | str | None,
    type: Sequence[str] | str | None,
    queue: Sequence[str] | str | None,
    labels: Mapping[str, str] | None,
    limit: int | None,
) -> list[tuple[str, str]]:
    def joined(value: Sequence[str] | str) -> str:
        return value if isinstance(value, str) else ",".join(value)

    query: list[tuple[str, str]] = []
    for name, value in (("state", state), ("type", type), ("queue", queue)):
        if value:
            query.append((name, joined(value)))
    query += [("label", f"{k}:{v}") for k, v in (labels or {}).items()]
    if limit is not None:
        query.append(("limit", str(limit)))
    return query


def job_id_of(job: JobOutput | JobDetailOutput | str | uuid.UUID) -> str:
    return str(job.id if isinstance(job, JobOutput | JobDetailOutput) else job)


def checked(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise error_for(response)
    return response


def job_of(response: httpx.Response) -> JobOutput:
    return JobOutput.from_dict(checked(response).json())


def detail_of(response: httpx.Response) -> JobDetailOutput:
    return JobDetailOutput.from_dict(checked(response).json())


def page_of(response: httpx.Response) -> JobPage:
    return JobPage.from_dict(checked(response).json())


def is_final(job: JobOutput | JobDetailOutput) -> bool:
    return str(job.state) in FINAL_STATES
