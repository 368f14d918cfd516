"""Rows for tests (factory_boy). Only the database is real; nothing here talks to a broker.

``ApiClientFactory`` makes a real key for every client: the stored prefix and digest come
from it, and the key itself is kept on the instance as ``plaintext_key`` (it is never
stored). ``ApiClientFactory.with_key(...)`` returns ``(client, key)``.
"""

# factory_boy declares its declarations untyped.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from factory.declarations import LazyAttribute, LazyFunction, Sequence, SubFactory, Trait
from factory.django import DjangoModelFactory

from conveyor.clients.keys import generate_key
from conveyor.clients.models import ApiClient
from conveyor.clients.scopes import ALL_SCOPES
from conveyor.jobs.models import Job
from conveyor.jobs.states import JobState
from conveyor.schedules.models import Schedule
from conveyor.schedules.services import schedule_create
from conveyor.schedules.timing import Cron, Interval


class ApiClientFactory(DjangoModelFactory[ApiClient]):
    class Meta:
        model = ApiClient

    name = Sequence(lambda n: f"client-{n}")
    scopes = LazyFunction(lambda: list(ALL_SCOPES))
    is_active = True

    @classmethod
    def _create(cls, model_class: type[ApiClient], *args: Any, **kwargs: Any) -> ApiClient:
        new = generate_key()
        kwargs.setdefault("key_prefix", new.prefix)
        kwargs.setdefault("key_digest", new.digest)
        client: ApiClient = super()._create(model_class, *args, **kwargs)
        # The key the prefix and digest were made from (only if they were not overridden).
        client.plaintext_key = (  # type: ignore[attr-defined]
            new.key if client.key_prefix == new.prefix else None
        )
        return client

    @classmethod
    def with_key(cls, **kwargs: Any) -> tuple[ApiClient, str]:
        client = cls.create(**kwargs)
        return client, client.plaintext_key  # type: ignore[attr-defined]


def _now() -> datetime:
    return timezone.now()


class JobFactory(DjangoModelFactory[Job]):
    """A queued ``demo.noop`` job; traits give the other states with consistent columns."""

    class Meta:
        model = Job

    class Params:
        scheduled = Trait(
            state=JobState.SCHEDULED,
            queued_at=None,
            run_at=LazyAttribute(lambda o: o.created_at + timedelta(hours=1)),
        )
        succeeded = Trait(
            state=JobState.SUCCEEDED,
            attempts=1,
            result={"ok": True},
            started_at=LazyAttribute(lambda o: o.created_at),
            finished_at=LazyAttribute(lambda o: o.created_at),
        )
        failed = Trait(
            state=JobState.FAILED,
            attempts=3,
            error_type="RuntimeError",
            error_message="boom",
            started_at=LazyAttribute(lambda o: o.created_at),
            finished_at=LazyAttribute(lambda o: o.created_at),
        )
        cancelled = Trait(
            state=JobState.CANCELLED,
            cancel_requested_at=LazyAttribute(lambda o: o.created_at),
            finished_at=LazyAttribute(lambda o: o.created_at),
        )

    client = SubFactory(ApiClientFactory)
    type = "demo.noop"
    params = LazyFunction(dict)
    queue = "default"
    priority = 5
    labels = LazyFunction(dict)
    state = JobState.QUEUED
    attempts = 0
    max_attempts = 3
    timeout_seconds = 60
    created_at = LazyFunction(_now)
    updated_at = LazyAttribute(lambda o: o.created_at)
    queued_at = LazyAttribute(lambda o: o.created_at)


class ScheduleFactory(DjangoModelFactory[Schedule]):
    """A schedule made as the API makes it (with its beat PeriodicTask): every minute, a
    ``demo.noop``; ``cron=("30 2 * * *", "Europe/Berlin")`` for a cron schedule."""

    class Meta:
        model = Schedule

    client = SubFactory(ApiClientFactory)
    name = Sequence(lambda n: f"schedule-{n}")
    interval_seconds = 60
    job = LazyFunction(lambda: {"type": "demo.noop"})

    @classmethod
    def _create(cls, model_class: type[Schedule], *args: Any, **kwargs: Any) -> Schedule:
        cron = kwargs.pop("cron", None)
        when = Cron.parse(*cron) if cron else Interval.of(kwargs.pop("interval_seconds"))
        return schedule_create(
            client=kwargs["client"],
            name=kwargs["name"],
            when=when,
            job=kwargs["job"],
            enabled=kwargs.get("enabled", True),
            now=kwargs.get("now"),
        )
