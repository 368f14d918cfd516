"""What clients do to jobs: submit, cancel, retry. Keyword-only, typed, transactional."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone
from pydantic import ValidationError

from conveyor.clients.models import ApiClient
from conveyor.core import database, metrics, tracing
from conveyor.core.documents import check_document
from conveyor.core.errors import Conflict, InvalidInput
from conveyor.jobs import insert, quotas
from conveyor.jobs.hooks import on_final, on_retry
from conveyor.jobs.lifecycle import message_of, transition
from conveyor.jobs.models import Job
from conveyor.jobs.publishing import publish_all, publish_on_commit
from conveyor.jobs.states import CANCEL_AT_ONCE_STATES, FINAL_STATES, RETRYABLE_STATES, JobState
from conveyor.jobs.types import JobType, get_job_type, job_type_queues

#: The demo job types' names start so; CONVEYOR_DEMO_JOB_TYPES enables them.
DEMO_PREFIX = "demo."


def job_type_enabled(spec: JobType) -> bool:
    """Whether clients may submit jobs of this type here: the demo job types only where
    the deployment enables them (any client could fill every worker with them)."""
    return settings.CONVEYOR_DEMO_JOB_TYPES or not spec.name.startswith(DEMO_PREFIX)


def allowed_queues() -> set[str]:
    return job_type_queues() | set(settings.CONVEYOR_EXTRA_QUEUES)


def validate_params(
    spec: JobType, params: Mapping[str, Any], *, deferred: str = ""
) -> dict[str, Any]:
    """The params as the job type's model normalizes them, or field errors.

    ``deferred`` names a param given later (a workflow job's dependencies' results, given
    when it is released): errors about it alone do not count, and the params are kept as
    given until then (they are validated again, whole, at the release)."""
    try:
        model = spec.params.model_validate(params)
    except ValidationError as exc:
        errors = [
            {
                "field": ".".join(["params", *(str(p) for p in err["loc"])]),
                "message": err["msg"],
                "code": err["type"],
            }
            for err in exc.errors()
            if not (deferred and err["loc"][:1] == (deferred,))
        ]
        if errors or not deferred:
            raise InvalidInput(
                f"The params do not fit job type {spec.name!r}.", errors=errors
            ) from None
        clean_given = dict(params)
        check_document({"params": clean_given})
        return clean_given
    clean: dict[str, Any] = model.model_dump(mode="json")
    # PostgreSQL's jsonb cannot store U+0000 or a lone surrogate: refuse them here too (the
    # API's parser already has, for HTTP bodies; the admin's forms come this way), rather
    # than fail with a 500 or store a row no read can render.
    try:
        check_document({"params": clean})
    except InvalidInput as exc:
        raise InvalidInput(
            f"The params do not fit job type {spec.name!r}.", errors=exc.errors
        ) from None
    return clean


def prepare_job(
    *,
    client: ApiClient,
    type: str,
    params: Mapping[str, Any],
    queue: str | None = None,
    priority: int = 5,
    run_at: datetime | None = None,
    max_attempts: int | None = None,
    timeout_seconds: int | None = None,
    labels: Mapping[str, str] | None = None,
    webhook_url: str = "",
    now: datetime,
    queues: set[str] | None = None,
    deferred_param: str = "",
) -> Job:
    """A new job, validated against its job type, not yet stored (no queries, but those of
    the job type's own ``check``: django.task's reads the tasks workers advertised).

    ``queues`` is ``allowed_queues()``, computed once by a caller preparing many jobs;
    ``deferred_param`` a param given later (``validate_params``).
    """
    spec = get_job_type(type)
    if spec is None:
        raise InvalidInput(
            f"Unknown job type {type!r}.",
            errors=[
                {
                    "field": "type",
                    "message": f"Unknown job type {type!r}; GET /v1/job-types lists the job types.",
                    "code": "unknown",
                }
            ],
        )
    if not job_type_enabled(spec):
        raise InvalidInput(
            f"Job type {type!r} is not enabled in this deployment.",
            errors=[
                {
                    "field": "type",
                    "message": f"Job type {type!r} is a demo job type; the deployment "
                    "enables them with CONVEYOR_DEMO_JOB_TYPES=true.",
                    "code": "disabled",
                }
            ],
        )
    clean_params = validate_params(spec, params, deferred=deferred_param)
    if spec.check is not None and not deferred_param:
        spec.check(clean_params)
    quotas.check_run_at(client=client, run_at=run_at, now=now)
    queue = queue or spec.queue
    known = queues if queues is not None else allowed_queues()
    if queue not in known:
        raise InvalidInput(
            f"Unknown queue {queue!r}.",
            errors=[
                {
                    "field": "queue",
                    "message": f"Unknown queue {queue!r}; known queues: "
                    f"{', '.join(sorted(known))}.",
                    "code": "unknown",
                }
            ],
        )
    limit = int(spec.time_limit.total_seconds())
    if timeout_seconds is not None and timeout_seconds > limit:
        raise InvalidInput(
            "timeout_seconds exceeds the job type's time limit.",
            errors=[
                {
                    "field": "timeout_seconds",
                    "message": f"At most {limit} for job type {spec.name!r}.",
                    "code": "max_value",
                }
            ],
        )
    due_later = run_at is not None and run_at > now
    job = new_job(
        client,
        type=spec.name,
        params=clean_params,
        queue=queue,
        priority=priority,
        labels=dict(labels or {}),
        webhook_url=webhook_url,
        state=JobState.SCHEDULED if due_later else JobState.QUEUED,
        max_attempts=max_attempts or spec.retry.max_attempts,
        timeout_seconds=timeout_seconds or limit,
        run_at=run_at if due_later else None,
        queued_at=None if due_later else now,
        published_at=None if due_later else now,
        created_at=now,
        updated_at=now,
    )
    # The request's trace goes on with the job wherever it runs (core/tracing.py).
    job.trace_context = tracing.context_of_current_span({tracing.JOB_ID: str(job.id)})
    return job


@cache
def _job_defaults() -> tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]], frozenset[str]]:
    """Job's fields' defaults: the fixed values, the (attname, callable) of the ones made
    anew for each job (its id, an empty dict), and every field's attname."""
    fixed: dict[str, Any] = {}
    made: list[tuple[str, Callable[[], Any]]] = []
    for field in Job._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            made.append((field.attname, field.default))
        else:
            fixed[field.attname] = field.get_default()
    return fixed, made, frozenset(fixed) | {name for name, _ in made}


def new_job(client: ApiClient, **values: Any) -> Job:
    """``Job(client=client, **values)``, its attributes set at once.

    ``Model.__init__`` looks each of Job's 33 fields up by name and sets it through
    ``setattr``: 19 µs, a seventh of what a batch spends on each job. Here the defaults
    are worked out once; the instance gets them, then ``values`` (by attname), and its
    client through the relation's descriptor, as ``__init__`` sets it. Where something
    listens to Job's ``pre_init`` or ``post_init`` signals, ``__init__`` itself runs.
    (``tests/api/test_job_insert.py`` compares the two.)"""
    if pre_init.has_listeners(Job) or post_init.has_listeners(Job):
        return Job(client=client, **values)
    fixed, made, names = _job_defaults()
    unknown = values.keys() - names
    if unknown:
        raise TypeError(f"Job has no fields {sorted(unknown)}")
    attributes = dict(fixed)
    for name, make in made:
        if name not in values:
            attributes[name] = make()
    attributes.update(values)
    job = Job.__new__(Job)
    job.__dict__.update(attributes)
    job._state = ModelState()
    job.client = client
    return job


def job_create(*, client: ApiClient, now: datetime | None = None, **submission: Any) -> Job:
    """Store a new job and publish it once stored (or leave it scheduled until ``run_at``).

    ``submission`` is ``prepare_job``'s keywords (type, params, queue, priority, …).
    """
    return job_store(prepare_job(client=client, now=now or timezone.now(), **submission))


def job_store(job: Job) -> Job:
    """Store a job ``prepare_job`` made, and publish it once stored.

    Outside a transaction, on PostgreSQL (``insert.sendable``), with
    ``CONVEYOR_EARLY_PUBLISH`` on, the message goes out while PostgreSQL inserts the row
    (``insert.inserting``), not after: a worker that receives it before the row is
    visible asks again (``conveyor_worker/execute.py``); if the ``INSERT`` then fails,
    the request fails and the message finds no job and is dropped."""
    due = job.state == JobState.QUEUED
    if due and settings.CONVEYOR_EARLY_PUBLISH and insert.sendable():
        with insert.inserting(job):
            publish_all([message_of(job)])
    else:
        # One INSERT is atomic by itself: no BEGIN and COMMIT round trips around it. The
        # publish follows the commit: at once here, or at the commit of a caller's
        # transaction.
        insert.insert_job(job)
        if due:
            publish_on_commit([message_of(job)])
    metrics.job_submitted(type=job.type, queue=job.queue)
    return job


def cancel_changes(now: datetime) -> dict[str, Any]:
    """The columns a cancel of a job no worker holds sets, besides its state."""
    return {"finished_at": now, "cancel_requested_at": now, "run_at": None}


def retry_changes(now: datetime) -> dict[str, Any]:
    """The columns a retry sets, besides its state: a fresh attempt budget, no outcome."""
    return {
        "attempts": 0,
        "queued_at": now,
        "published_at": now,
        "finished_at": None,
        "cancel_requested_at": None,
        "result": None,
        "error_type": "",
        "error_message": "",
        "error_traceback": "",
        "progress_percent": None,
        "progress_message": "",
        "run_at": None,
    }


def job_cancel(*, job: Job) -> Job:
    """Cancel a job: at once if no worker holds it, else ask its worker to stop."""
    now = timezone.now()
    for _ in range(5):
        if job.state in FINAL_STATES:
            raise Conflict(f"Job {job.id} is already {job.state}; there is nothing to cancel.")
        if job.state == JobState.CANCELLING:
            return job
        if job.state in CANCEL_AT_ONCE_STATES:
            with transaction.atomic(using=database.alias()):
                done = transition(
                    job.pk,
                    sources=CANCEL_AT_ONCE_STATES,
                    target=JobState.CANCELLED,
                    now=now,
                    **cancel_changes(now),
                )
                if done:
                    on_final(job)
        else:
            done = transition(
                job.pk,
                sources={JobState.RUNNING},
                target=JobState.CANCELLING,
                now=now,
                cancel_requested_at=now,
            )
        job.refresh_from_db()
        if done:
            return job
    raise Conflict(f"Job {job.id} kept changing state; try the cancel again.")


def job_retry(*, job: Job) -> Job:
    """Run a failed or cancelled job again, with a fresh attempt budget."""
    if job.state not in RETRYABLE_STATES:
        raise Conflict(
            f"Job {job.id} is {job.state}; only failed or cancelled jobs can be retried."
        )
    now = timezone.now()
    with transaction.atomic(using=database.alias()):
        done = transition(
            job.pk,
            sources=RETRYABLE_STATES,
            target=JobState.QUEUED,
            now=now,
            **retry_changes(now),
        )
        if done:
            on_retry(job)
        job.refresh_from_db()  # as the retry left it: a worker may claim it once committed
        if not done:
            raise Conflict(f"Job {job.id} is {job.state}; it can no longer be retried.")
        if job.state == JobState.QUEUED:
            publish_on_commit([message_of(job)])
    return job
