"""``AsyncConveyor``: the asyncio client, ``Conveyor``'s twin."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import httpx

from conveyor_client import requests
from conveyor_client.generated.models.job_detail_output import JobDetailOutput
from conveyor_client.generated.models.job_output import JobOutput
from conveyor_client.generated.models.job_page import JobPage
from conveyor_client.problems import WaitTimeout, retry_after
from conveyor_client.retrying import RETRIED_STATUSES, Retry

JobRef = JobOutput | JobDetailOutput | str | uuid.UUID


class AsyncConveyor:
    """The conveyor API at ``url``, as the client whose API ``key`` is given (asyncio).

    Every request is sent again after a 429 or a 503 (``retry``), waiting at least what
    ``Retry-After`` asks; an error answer raises the ``ApiError`` subclass of its status.
    """

    def __init__(
        self,
        url: str,
        key: str,
        *,
        timeout: float = 60.0,
        retry: Retry | None = None,
        long_poll: float = requests.LONG_POLL_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.retry = retry or Retry()
        #: The longest single long-poll ``wait`` asks of the API (at most its
        #: CONVEYOR_LONG_POLL_MAX_SECONDS, 30 by default).
        self.long_poll = long_poll
        self.http = httpx.AsyncClient(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {key}", "User-Agent": "conveyor-client-python"},
            # a long-poll holds the request up to LONG_POLL_SECONDS
            timeout=max(timeout, long_poll + 10),
            transport=transport,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self.http.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API call, sent again after a 429 or a 503 while attempts are left."""
        for attempt in range(1, self.retry.attempts + 1):
            response = await self.http.request(method, path, **kwargs)
            if response.status_code not in RETRIED_STATUSES or attempt == self.retry.attempts:
                return response
            await asyncio.sleep(self.retry.delay(attempt, retry_after(response)))
        raise AssertionError("unreachable: the last attempt returns")

    # ---- jobs ------------------------------------------------------------------------

    async def submit(
        self,
        type: str,
        params: Mapping[str, Any] | None = None,
        *,
        queue: str | None = None,
        priority: int | None = None,
        run_at: datetime | str | None = None,
        delay_seconds: float | None = None,
        max_attempts: int | None = None,
        timeout_seconds: int | None = None,
        labels: Mapping[str, str] | None = None,
        webhook_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> JobOutput:
        """Submit a job of ``type`` with ``params``; the job as the API accepted it."""
        body = requests.submission(
            type,
            params,
            {
                "queue": queue,
                "priority": priority,
                "run_at": run_at,
                "delay_seconds": delay_seconds,
                "max_attempts": max_attempts,
                "timeout_seconds": timeout_seconds,
                "labels": dict(labels) if labels is not None else None,
                "webhook_url": webhook_url,
            },
        )
        headers = requests.submit_headers(idempotency_key)
        return requests.job_of(await self.request("POST", "/v1/jobs", json=body, headers=headers))

    async def get(self, job: JobRef) -> JobDetailOutput:
        path = f"/v1/jobs/{requests.job_id_of(job)}"
        return requests.detail_of(await self.request("GET", path))

    async def wait(self, job: JobRef, timeout: float = 60.0) -> JobDetailOutput:
        """The job once final (succeeded, failed or cancelled), long-polling the API;
        ``WaitTimeout`` if it is not final within ``timeout`` seconds."""
        path = f"/v1/jobs/{requests.job_id_of(job)}"
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0.01:
                found = await self.get(job)
                if requests.is_final(found):
                    return found
                raise WaitTimeout(str(found.id), str(found.state), timeout)
            step = min(remaining, self.long_poll)
            found = requests.detail_of(
                await self.request("GET", path, params={"wait": f"{step:.3f}"})
            )
            if requests.is_final(found):
                return found

    async def submit_and_wait(
        self,
        type: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout: float = 60.0,
        **options: Any,
    ) -> JobDetailOutput:
        """``submit``, then ``wait`` for the job to be final."""
        return await self.wait(await self.submit(type, params, **options), timeout)

    async def cancel(self, job: JobRef) -> JobOutput:
        path = f"/v1/jobs/{requests.job_id_of(job)}/cancel"
        return requests.job_of(await self.request("POST", path))

    async def retry_job(self, job: JobRef) -> JobOutput:
        path = f"/v1/jobs/{requests.job_id_of(job)}/retry"
        return requests.job_of(await self.request("POST", path))

    async def pages(
        self,
        *,
        state: Sequence[str] | str | None = None,
        type: Sequence[str] | str | None = None,
        queue: Sequence[str] | str | None = None,
        labels: Mapping[str, str] | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[JobPage]:
        """The client's jobs, newest first, a page at a time (following ``next``)."""
        query = requests.list_query(state=state, type=type, queue=queue, labels=labels, limit=limit)
        page = requests.page_of(await self.request("GET", "/v1/jobs", params=query))
        yield page
        while isinstance(page.next_, str) and page.next_:
            page = requests.page_of(await self.request("GET", page.next_))
            yield page

    async def jobs(self, **filters: Any) -> AsyncIterator[JobOutput]:
        """Every job ``pages(**filters)`` holds, one by one."""
        async for page in self.pages(**filters):
            for job in page.results:
                yield job
