"""``ConveyorRestBackend``: a ``TASKS`` backend for projects that reach conveyor over HTTP
only (no access to its database): ``enqueue`` is ``POST /v1/jobs``, ``get_result`` is
``GET /v1/jobs/{id}``, with an API key. Configure it (docs/django.md)::

    TASKS = {
        "default": {
            "BACKEND": "conveyor.djangotasks.rest_backend.ConveyorRestBackend",
            "OPTIONS": {"URL": "https://conveyor.example.com", "API_KEY": "cvk_..."},
        }
    }

The workers still run with the project's settings (they import its tasks). Over REST an
enqueue is not part of the project's transaction: the job exists once ``enqueue``
returns; wrap it in ``transaction.on_commit`` to enqueue after a commit. A result reads
the same as the in-process backend's: the job's ``attempt_history`` holds each attempt's
worker, exception path and traceback.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

import httpcore
from django.core.exceptions import ImproperlyConfigured

from conveyor.djangotasks.compat import (
    BaseTaskBackend,
    Task,
    TaskResult,
    TaskResultDoesNotExist,
    task_enqueued,
)
from conveyor.djangotasks.mapping import AttemptSeen, JobSeen, load_task, task_result
from conveyor.djangotasks.submission import job_submission, refusal

P = ParamSpec("P")
R = TypeVar("R")

#: How long a request to conveyor's API may take, unless OPTIONS["TIMEOUT"] says.
DEFAULT_TIMEOUT_SECONDS = 10.0


class ConveyorUnavailableError(RuntimeError):
    """conveyor's API did not answer, or answered with an error that is not the caller's."""


class ConveyorRestBackend(BaseTaskBackend):
    supports_defer = True
    supports_async_task = True
    supports_get_result = True
    supports_priority = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        self.url = str(self.options.get("URL", "")).rstrip("/")
        self.api_key = str(self.options.get("API_KEY", ""))
        if not self.url or not self.api_key:
            raise ImproperlyConfigured(
                f"TASKS[{alias!r}]['OPTIONS'] needs URL (conveyor's API) and API_KEY (an "
                "API client's key: conveyor create_api_client NAME)"
            )
        self.timeout = float(self.options.get("TIMEOUT", DEFAULT_TIMEOUT_SECONDS))
        self.max_attempts: int | None = self.options.get("MAX_ATTEMPTS")
        self.timeout_seconds: int | None = self.options.get("TIMEOUT_SECONDS")
        self._pool = httpcore.ConnectionPool(retries=1)

    def _request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = [("Authorization", f"Bearer {self.api_key}"), ("Accept", "application/json")]
        content = b""
        if body is not None:
            content = json.dumps(body).encode()
            headers.append(("Content-Type", "application/json"))
        seconds = self.timeout
        try:
            response = self._pool.request(
                method,
                f"{self.url}{path}",
                headers=headers,
                content=content,
                extensions={
                    "timeout": {
                        "connect": seconds,
                        "read": seconds,
                        "write": seconds,
                        "pool": seconds,
                    }
                },
            )
        except httpcore.TimeoutException as exc:
            raise ConveyorUnavailableError(
                f"conveyor's API at {self.url} did not answer {method} {path} within "
                f"{seconds:g} s ({type(exc).__name__})"
            ) from exc
        except httpcore.NetworkError as exc:
            raise ConveyorUnavailableError(
                f"cannot reach conveyor's API at {self.url} ({type(exc).__name__}: {exc})"
            ) from exc
        text = response.content.decode(errors="replace")
        try:
            data = json.loads(text) if text else None
        except ValueError:
            data = text
        return response.status, data

    def enqueue(
        self, task: Task[P, R], args: Sequence[Any], kwargs: dict[str, Any]
    ) -> TaskResult[P, R]:
        self.validate_task(task)
        submission = job_submission(
            task,
            args,
            kwargs,
            max_attempts=self.max_attempts,
            timeout_seconds=self.timeout_seconds,
        )
        run_at: datetime | None = submission.pop("run_at")
        if run_at is not None:
            submission["run_at"] = run_at.isoformat()
        status, data = self._request("POST", "/v1/jobs", submission)
        if status == 400:
            errors = data.get("errors", []) if isinstance(data, Mapping) else []
            refused = refusal(errors or [])
            raise refused(f"conveyor refused task {task.module_path}: {_problem(data)}")
        if status != 201:
            raise ConveyorUnavailableError(
                f"POST /v1/jobs answered {status}: {_problem(data)} (task {task.module_path})"
            )
        result = rest_task_result(data, task=task, backend=self.alias)
        task_enqueued.send(type(self), task_result=result)
        return result

    def get_result(self, result_id: str) -> TaskResult[..., Any]:
        try:
            job_id = UUID(str(result_id))
        except ValueError:
            raise TaskResultDoesNotExist(result_id) from None
        status, data = self._request("GET", f"/v1/jobs/{job_id}")
        if status == 404:
            raise TaskResultDoesNotExist(result_id)
        if status != 200:
            raise ConveyorUnavailableError(f"GET /v1/jobs/{job_id} answered {status}: {data}")
        if data.get("type") != "django.task":
            raise TaskResultDoesNotExist(result_id)
        task = load_task(str(data["params"]["task"]))
        return rest_task_result(data, task=task, backend=self.alias)


def _problem(data: Any) -> str:
    """A problem+json answer as one line: its detail and field errors."""
    if not isinstance(data, Mapping):
        return str(data)[:500]
    errors = "; ".join(
        f"{e.get('field')}: {e.get('message')}" for e in data.get("errors", []) or []
    )
    return f"{data.get('detail', '')} {errors}".strip()


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def rest_task_result(job: Mapping[str, Any], *, task: Task[P, R], backend: str) -> TaskResult[P, R]:
    """A job as ``GET /v1/jobs/{id}`` shows it, as Django's ``TaskResult`` (the in-process
    backend's reading of the same job: ``mapping.task_result``). The answer to ``POST
    /v1/jobs`` has no attempts yet."""
    seen = JobSeen(
        id=str(job["id"]),
        state=job["state"],
        queue=job["queue"],
        params=job["params"],
        created_at=_instant(job["created_at"]),
        started_at=_instant(job["started_at"]),
        finished_at=_instant(job["finished_at"]),
        result=job["result"],
        worker=job.get("worker", ""),
        attempts=[
            AttemptSeen(
                worker=a["worker"],
                started_at=datetime.fromisoformat(a["started_at"]),
                outcome=a["outcome"],
                error_path=a["error_path"] or a["error_type"],
                error_traceback=a["error_traceback"],
            )
            for a in job.get("attempt_history", [])
        ],
    )
    return task_result(seen, task=task, backend=backend)
