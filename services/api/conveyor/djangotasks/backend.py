"""``ConveyorBackend``: a ``TASKS`` backend whose tasks run as conveyor jobs.

In-process: the project's settings hold conveyor's apps, and ``enqueue`` stores a
``django.task`` job through conveyor's own services (validated, then stored and published
once the surrounding transaction commits; with conveyor's tables in an alias of their
own, once the project's ``default`` transaction commits). ``get_result`` reads the job
and its attempts back as a ``TaskResult``. Configure it (docs/django.md)::

    TASKS = {
        "default": {
            "BACKEND": "conveyor.djangotasks.backend.ConveyorBackend",
            "QUEUES": ["default"],
            "OPTIONS": {"CLIENT": "my-project"},  # the API client that owns the jobs
        }
    }
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from conveyor.clients.models import ApiClient
from conveyor.core import database
from conveyor.core.errors import InvalidInput
from conveyor.djangotasks.compat import (
    BaseTaskBackend,
    Task,
    TaskResult,
    TaskResultDoesNotExist,
    task_enqueued,
)
from conveyor.djangotasks.mapping import load_task
from conveyor.djangotasks.results import job_task_result, task_result
from conveyor.djangotasks.submission import job_submission, refusal
from conveyor.jobs.models import Job
from conveyor.jobs.services import allowed_queues, job_store, prepare_job
from conveyor.jobtypes.django_task import DJANGO_TASK

P = ParamSpec("P")
R = TypeVar("R")


class ConveyorBackend(BaseTaskBackend):
    #: ``run_after`` makes a scheduled job, queued when it is due.
    supports_defer = True
    #: A coroutine task runs on the worker through ``async_to_sync``.
    supports_async_task = True
    #: Results are the job rows, readable from any process.
    supports_get_result = True
    #: Priorities order the broker's messages (conveyor's 0-9).
    supports_priority = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        self.client_name = str(self.options.get("CLIENT", ""))
        self.max_attempts: int | None = self.options.get("MAX_ATTEMPTS")
        self.timeout_seconds: int | None = self.options.get("TIMEOUT_SECONDS")
        self._client: ApiClient | None = None

    def client(self) -> ApiClient:
        """The API client that owns this backend's jobs (``OPTIONS["CLIENT"]``)."""
        if self._client is None:
            if not self.client_name:
                raise ImproperlyConfigured(
                    f"TASKS[{self.alias!r}]['OPTIONS']['CLIENT'] is not set: name the API "
                    "client that owns the jobs (conveyor create_api_client NAME)"
                )
            found = ApiClient.objects.filter(name=self.client_name).first()
            if found is None:
                raise ImproperlyConfigured(
                    f"TASKS[{self.alias!r}] names API client {self.client_name!r}, which "
                    f"does not exist: create it (conveyor create_api_client "
                    f"{self.client_name})"
                )
            self._client = found
        return self._client

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
        try:
            job = prepare_job(client=self.client(), now=timezone.now(), **submission)
        except InvalidInput as exc:
            problems = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
            refused = refusal(exc.errors)
            raise refused(
                f"conveyor refused task {task.module_path}: {exc.detail} {problems}".strip()
            ) from None
        if database.alias() != DEFAULT_DB_ALIAS and connections[DEFAULT_DB_ALIAS].in_atomic_block:
            # conveyor's tables are in a database of their own: the job is stored (and
            # published) when the project's transaction commits, never if it rolls back
            transaction.on_commit(partial(job_store, job), using=DEFAULT_DB_ALIAS)
        else:
            job_store(job)  # in conveyor's transaction if one is open: published at its commit
        result = task_result(job, [], task=task, backend=self.alias)
        task_enqueued.send(type(self), task_result=result)
        return result

    def get_result(self, result_id: str) -> TaskResult[..., Any]:
        try:
            job_id = UUID(str(result_id))
        except ValueError:
            raise TaskResultDoesNotExist(result_id) from None
        job = Job.objects.filter(pk=job_id, type=DJANGO_TASK.name).first()
        if job is None:
            raise TaskResultDoesNotExist(result_id)
        task = load_task(str(job.params["task"]))
        return job_task_result(job, task=task, backend=self.alias)

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        found: list[checks.CheckMessage] = []
        if not self.client_name:
            found.append(
                checks.Error(
                    f"TASKS[{self.alias!r}]['OPTIONS']['CLIENT'] is not set",
                    hint="Name the API client that owns the jobs (conveyor create_api_client).",
                    id="conveyor.E101",
                )
            )
        unknown = sorted(self.queues - allowed_queues())
        if unknown:
            found.append(
                checks.Error(
                    f"TASKS[{self.alias!r}]['QUEUES'] names queues conveyor does not know: "
                    f"{unknown}",
                    hint="Add them to CONVEYOR_EXTRA_QUEUES (and give them a worker pool).",
                    id="conveyor.E102",
                )
            )
        return found
