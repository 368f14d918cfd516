"""``POST /v1/jobs/batch``: up to 1,000 jobs in one request, all or nothing.

Every item is validated once (its shape, then its job type's params; the shape's fields
but ``params`` once per distinct envelope, ``_Envelopes``), and every error is reported
with the item's index (``jobs[3].params.seconds``), so a client fixes the
whole batch in one round. Only when all items are valid are the jobs stored, with one
multi-row INSERT in one transaction, and published after it commits, as bundles: one
message per up to ``CONVEYOR_BUNDLE_MAX_JOBS`` jobs of a queue and priority
(``publishing.bundles_of``; a rate-limited job goes alone). No query runs per job. The
request body limit (``CONVEYOR_MAX_BODY_BYTES``) still applies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from conveyor.clients.models import ApiClient
from conveyor.core import database, metrics
from conveyor.core.errors import InvalidInput
from conveyor.core.problems import flatten_field_errors
from conveyor.jobs import quotas
from conveyor.jobs.insert import insert_jobs
from conveyor.jobs.lifecycle import message_of
from conveyor.jobs.models import Job
from conveyor.jobs.publishing import bundles_of, publish_on_commit
from conveyor.jobs.serializers import JobCreateInput, submission_of
from conveyor.jobs.services import allowed_queues, prepare_job
from conveyor.jobs.states import JobState
from conveyor.jobs.types import get_job_type, queue_rate, type_rate

# Reporting stops here: a batch of 1,000 broken items needs no 1,000-line answer.
MAX_ERRORS = 100


def _at(where: str, error: dict[str, str]) -> dict[str, str]:
    field = error.get("field", "")
    return {**error, "field": f"{where}.{field}" if field else where}


def jobs_create_batch(
    *, client: ApiClient, items: Sequence[Any], now: datetime | None = None
) -> list[Job]:
    """Validate every item, then store them all (in order) or none."""
    now = now or timezone.now()
    queues = allowed_queues()
    jobs: list[Job] = []
    errors: list[dict[str, str]] = []
    invalid = 0
    # One serializer validates every item, as a ListSerializer's child does: its fields
    # are built once per batch, not once per item (that was a fifth of a batch's time).
    validator = JobCreateInput()
    envelopes = _Envelopes(validator)
    for index, item in enumerate(items):
        where = f"jobs[{index}]"
        try:
            validated = envelopes.validated(item)
        except ValidationError as exc:
            invalid += 1
            errors.extend(flatten_field_errors(exc.detail, where))
            continue
        try:
            jobs.append(
                prepare_job(client=client, now=now, queues=queues, **submission_of(validated, now))
            )
        except InvalidInput as exc:
            invalid += 1
            errors.extend(_at(where, e) for e in exc.errors)
    if invalid:
        raise InvalidInput(
            f"{invalid} of the {len(items)} jobs are invalid; none was submitted.",
            errors=errors[:MAX_ERRORS],
        )
    # Every item counts against the client's cap, before any is stored.
    quotas.check_unfinished_jobs(client=client, adding=len(jobs))
    with transaction.atomic(using=database.alias()):
        insert_jobs(jobs)
        queued = [job for job in jobs if job.state == JobState.QUEUED]
        publish_on_commit(bundles_of([message_of(job) for job in queued], alone=_alone(queued)))
    for (type_, queue), count in Counter((job.type, job.queue) for job in jobs).items():
        metrics.job_submitted(type=type_, queue=queue, count=count)
    return jobs


class _Envelopes:
    """Validates a batch's items, each envelope (every field but ``params``) once.

    The jobs of a batch mostly differ only in their params (a thousand files to process,
    one job type, queue and priority): validating the same envelope again gives the same
    answer, and was a sixth of a batch's time. An item whose envelope was seen gets that
    answer and its own params, validated by the serializer's own params field; an item
    whose envelope has a value that is not a plain scalar (or a mapping of them, as
    labels are) is validated whole, as is every item whose envelope or params are
    invalid, so its errors are the serializer's."""

    def __init__(self, validator: JobCreateInput) -> None:
        self._validator = validator
        self._params = validator.fields["params"]
        self._seen: dict[tuple[Any, ...], dict[str, Any]] = {}

    def validated(self, item: Any) -> dict[str, Any]:
        key = _envelope_key(item)
        envelope = self._seen.get(key) if key is not None else None
        if envelope is not None:
            if "params" not in item:
                return {**envelope, "params": self._params.get_default()}
            try:
                params = self._params.run_validation(item["params"])
            except ValidationError:
                pass  # validated whole below, for the serializer's own error
            else:
                return {**envelope, "params": params}
        validated: dict[str, Any] = self._validator.run_validation(item)
        if key is not None:
            self._seen[key] = {k: v for k, v in validated.items() if k != "params"}
        return validated


_SCALARS = (str, int, float, bool, type(None))


def _envelope_key(item: Any) -> tuple[Any, ...] | None:
    """An item's fields but ``params``, as a key that tells apart what validation does
    (the type of each value too: ``1`` is a valid priority, ``True`` is not); None when a
    value is neither a scalar nor a mapping of scalars."""
    if type(item) is not dict:
        return None
    key: list[Any] = []
    for name, value in item.items():
        if name == "params":
            continue
        if isinstance(value, dict):
            pairs = tuple((k, type(v), v) for k, v in value.items())
            if not all(type(v) in _SCALARS for _, _, v in pairs):
                return None
            key.append((name, dict, pairs))
        elif type(value) in _SCALARS:
            key.append((name, type(value), value))
        else:
            return None
    return tuple(key)


def _alone(jobs: Sequence[Job]) -> set[UUID]:
    """The ids of the jobs a rate limit applies to, looked up once per type and queue."""
    limited: dict[tuple[str, str], bool] = {}
    alone: set[UUID] = set()
    for job in jobs:
        key = (job.type, job.queue)
        if key not in limited:
            limited[key] = rate_limited(job)
        if limited[key]:
            alone.add(job.id)
    return alone


def rate_limited(job: Job) -> bool:
    """Whether a rate limit applies to the job (it travels alone: its claim is admitted
    one job at a time, and a bundle would hold it back from the limit's free slots)."""
    spec = get_job_type(job.type)
    return (spec is not None and type_rate(spec) is not None) or queue_rate(job.queue) is not None
