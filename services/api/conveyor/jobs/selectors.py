"""Reading jobs: a client only ever sees its own."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Func, QuerySet, TextField
from django.db.models.sql.compiler import SQLCompiler

from conveyor.clients.models import ApiClient
from conveyor.core.errors import NotFound
from conveyor.jobs.models import AdvertisedTask, Job, JobAttempt

LABEL_KEY = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$")


class LabelValue(Func):
    """A label's value as text, compared as plain text on PostgreSQL and SQLite.

    Not Django's ``KeyTextTransform``: it reads a key of digits (``"123"``, ``"1_0"``) as
    an array index, so such a label never matched, and on SQLite its ``=`` expects a
    JSON-encoded value, so every label filter failed there.
    """

    output_field = TextField()

    def __init__(self, key: str) -> None:
        super().__init__(F("labels"))
        self.key = key

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        labels, params = compiler.compile(self.source_expressions[0])
        return f"({labels} ->> %s)", (*params, self.key)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        labels, params = compiler.compile(self.source_expressions[0])
        return f"JSON_EXTRACT({labels}, %s)", (*params, f"$.{json.dumps(self.key)}")

    def as_sql(self, *args: Any, **kwargs: Any) -> tuple[str, tuple[Any, ...]]:
        raise NotSupportedError("label filters support PostgreSQL and SQLite only")


@dataclass(frozen=True)
class JobFilters:
    states: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    created_after: datetime | None = None
    created_before: datetime | None = None


def job_get(*, client: ApiClient, job_id: UUID | str) -> Job:
    try:
        return Job.objects.get(pk=job_id, client=client)
    except Job.DoesNotExist:
        raise NotFound(f"No job {job_id}.") from None


def job_list(*, client: ApiClient, filters: JobFilters) -> QuerySet[Job]:
    jobs = Job.objects.filter(client=client)
    if filters.states:
        jobs = jobs.filter(state__in=filters.states)
    if filters.types:
        jobs = jobs.filter(type__in=filters.types)
    if filters.queues:
        jobs = jobs.filter(queue__in=filters.queues)
    if filters.created_after:
        jobs = jobs.filter(created_at__gte=filters.created_after)
    if filters.created_before:
        jobs = jobs.filter(created_at__lt=filters.created_before)
    for index, (key, value) in enumerate(sorted(filters.labels.items())):
        alias = f"_label{index}"
        jobs = jobs.alias(**{alias: LabelValue(key)}).filter(**{alias: value})
    return jobs


def job_attempts(*, job: Job) -> list[JobAttempt]:
    return list(JobAttempt.objects.filter(job=job).order_by("started_at"))


def advertised_tasks() -> QuerySet[AdvertisedTask]:
    """The Django tasks workers advertised (conveyor/djangotasks/advertising.py), by path."""
    return AdvertisedTask.objects.order_by("path")
