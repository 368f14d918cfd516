"""What clients and operators do to schedules, and what beat's message does: fire a run.

Every change to a schedule goes through these functions, which keep its django-celery-beat
``PeriodicTask`` in step (timing, enabled) in the same transaction; the API and the admin
both call them. Beat notices a change through ``PeriodicTasks.last_update`` (bumped by
django-celery-beat's own save signal) within one tick.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from kombu.utils.json import dumps

from conveyor.clients.models import ApiClient
from conveyor.config.tasks import FIRE_SCHEDULE_TASK
from conveyor.core import database
from conveyor.core.errors import Conflict, ConveyorError, InvalidInput
from conveyor.jobs.services import job_create, prepare_job
from conveyor.schedules import quotas, timing
from conveyor.schedules.models import Schedule, ScheduleRun

log = logging.getLogger(__name__)

# Labels every job a schedule submits carries (filter with ?label=conveyor/schedule:<id>).
SCHEDULE_LABEL = "conveyor/schedule"
DUE_AT_LABEL = "conveyor/due-at"
# What a template leaves out takes the job type's default; shown as null.
TEMPLATE_DEFAULTS: dict[str, Any] = {
    "queue": None,
    "priority": 5,
    "max_attempts": None,
    "timeout_seconds": None,
    "labels": {},
}


EDITABLE_FIELDS = ("name", "cron_expression", "timezone", "interval_seconds", "job", "enabled")


class _Unset:
    pass


UNSET: Any = _Unset()


def timing_of(schedule: Schedule) -> timing.Timing:
    if schedule.is_cron:
        return timing.Cron.parse(schedule.cron_expression, schedule.timezone)
    return timing.Interval(int(schedule.interval_seconds or 0))


def next_run_at(schedule: Schedule, *, now: datetime | None = None) -> datetime | None:
    """When the schedule's next run is due; None while it is disabled."""
    if not schedule.enabled:
        return None
    return timing.next_due(
        timing_of(schedule), now or timezone.now(), started_at=schedule.started_at
    )


def job_template_clean(
    *, client: ApiClient, template: Mapping[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    """The job template as stored: a submission's fields (as ``ScheduleJobInput`` validated
    them), checked as a submission is (job type, params, queue, time limit), params
    normalized by the job type. Field errors are named ``job.*``."""
    fields = {name: value for name, value in template.items() if value is not None}
    fields.setdefault("params", {})
    try:
        job = prepare_job(client=client, now=now or timezone.now(), **fields)
    except InvalidInput as exc:
        errors = [{**e, "field": f"job.{e['field']}"} for e in exc.errors]
        raise InvalidInput(exc.detail, errors=errors) from None
    return {**TEMPLATE_DEFAULTS, **fields, "type": job.type, "params": job.params}


def schedule_create(
    *,
    client: ApiClient,
    name: str,
    when: timing.Timing,
    job: Mapping[str, Any],
    enabled: bool = True,
    now: datetime | None = None,
) -> Schedule:
    now = now or timezone.now()
    quotas.check_interval(client=client, when=when)
    template = job_template_clean(client=client, template=job, now=now)
    quotas.check_schedule_count(client=client)
    schedule = Schedule(
        client=client,
        name=name,
        job=template,
        enabled=enabled,
        started_at=now,
        created_at=now,
        updated_at=now,
    )
    _set_timing(schedule, when)
    with transaction.atomic(using=database.alias()):
        _refuse_taken_name(schedule)
        schedule.periodic_task = PeriodicTask(
            name=f"conveyor-schedule-{schedule.id}",
            task=FIRE_SCHEDULE_TASK,
            args=dumps([str(schedule.id)]),
        )
        _sync_periodic_task(schedule, reset=True)
        schedule.save(force_insert=True)
    return schedule


def schedule_update(
    *,
    schedule: Schedule,
    name: str = UNSET,
    when: timing.Timing | None = None,
    job: Mapping[str, Any] | None = None,
    enabled: bool | None = None,
    now: datetime | None = None,
) -> Schedule:
    """Change what is given. A new timing, or enabling a disabled schedule, starts it
    afresh at ``now``: no run is fired for a due time before that."""
    now = now or timezone.now()
    restart = False
    if name is not UNSET:
        schedule.name = name
    if job is not None:
        schedule.job = job_template_clean(client=schedule.client, template=job, now=now)
    if when is not None and when != timing_of(schedule):
        quotas.check_interval(client=schedule.client, when=when)
        _set_timing(schedule, when)
        restart = True
    if enabled is not None and enabled != schedule.enabled:
        schedule.enabled = enabled
        restart = restart or enabled
    if restart:
        schedule.started_at = now
    schedule.updated_at = now
    with transaction.atomic(using=database.alias()):
        _refuse_taken_name(schedule)
        _sync_periodic_task(schedule, reset=restart)
        # Not last_run_at: a fire may be recording a run right now.
        schedule.save(update_fields=[*EDITABLE_FIELDS, "started_at", "updated_at"])
    return schedule


def schedule_delete(*, schedule: Schedule) -> None:
    """Delete the schedule, its periodic task and its run records (its jobs stay)."""
    with transaction.atomic(using=database.alias()):
        task = schedule.periodic_task
        schedule.delete()
        task.delete()


def schedule_fire(*, schedule_id: UUID | str, now: datetime | None = None) -> ScheduleRun | None:
    """Fire the run due at ``now`` (the latest due instant), once.

    The ``ScheduleRun`` row, unique per ``(schedule, due_at)``, is inserted in the same
    transaction as the job: a second message for the same run (two beats during a rolling
    update, a redelivery) hits the unique key and creates nothing. The job is published on
    commit (the outbox), so a rolled-back fire publishes nothing.
    """
    now = now or timezone.now()
    schedule = Schedule.objects.select_related("client").filter(pk=schedule_id).first()
    if schedule is None or not schedule.enabled or not schedule.client.is_active:
        return None
    due = timing.latest_due(timing_of(schedule), now, started_at=schedule.started_at)
    if due is None:
        return None
    try:
        with transaction.atomic(using=database.alias()):
            # First the key: a concurrent fire of the same run waits here, then fails.
            run = ScheduleRun.objects.create(schedule=schedule, due_at=due, fired_at=now)
            try:
                run.job = _submit(schedule, due, now)
            except ConveyorError as exc:
                run.error = f"{exc.detail} {exc.errors}" if exc.errors else exc.detail
                log.warning("schedule %s: run due %s not submitted: %s", schedule.pk, due, exc)
            run.save(update_fields=["job", "error"])
            Schedule.objects.filter(pk=schedule.pk).update(last_run_at=due)
    except IntegrityError:
        log.info("schedule %s: the run due %s was already fired", schedule.pk, due.isoformat())
        return None
    log.info("schedule %s: fired the run due %s (job %s)", schedule.pk, due, run.job_id)
    return run


def schedule_run_now(*, schedule: Schedule, now: datetime | None = None) -> Any:
    """Submit the schedule's job now, outside its timing (an operator's "run now"): the
    job carries the schedule's label, its due time is now; no run record, so the next due
    run still fires."""
    now = now or timezone.now()
    job = _submit(schedule, now, now)
    log.info("schedule %s: run now (job %s)", schedule.pk, job.pk)
    return job


def _submit(schedule: Schedule, due: datetime, now: datetime) -> Any:
    fields = {name: value for name, value in schedule.job.items() if value is not None}
    fields["labels"] = {
        **(fields.get("labels") or {}),
        SCHEDULE_LABEL: str(schedule.pk),
        DUE_AT_LABEL: due.isoformat(),
    }
    return job_create(client=schedule.client, now=now, **fields)


def _set_timing(schedule: Schedule, when: timing.Timing) -> None:
    if isinstance(when, timing.Cron):
        schedule.cron_expression, schedule.timezone = when.expression, when.timezone
        schedule.interval_seconds = None
    else:
        schedule.cron_expression, schedule.timezone = "", ""
        schedule.interval_seconds = when.seconds


def _refuse_taken_name(schedule: Schedule) -> None:
    taken = (
        Schedule.objects.filter(client_id=schedule.client_id, name=schedule.name)
        .exclude(pk=schedule.pk)
        .exists()
    )
    if taken:
        raise Conflict(
            f"A schedule named {schedule.name!r} exists already.",
            errors=[{"field": "name", "message": "Already taken.", "code": "unique"}],
        )


def _sync_periodic_task(schedule: Schedule, *, reset: bool) -> None:
    """Point the schedule's PeriodicTask at its timing and state, and save it.

    ``reset`` forgets when beat last sent it, so beat counts from now (not from a run
    under the old timing, which would send a catch-up message at once).
    """
    task = schedule.periodic_task
    when = timing_of(schedule)
    if isinstance(when, timing.Cron):
        task.crontab, _ = CrontabSchedule.objects.get_or_create(
            timezone=when.timezone, **when.fields
        )
        task.interval = None
    else:
        task.interval, _ = IntervalSchedule.objects.get_or_create(
            every=when.seconds, period=IntervalSchedule.SECONDS
        )
        task.crontab = None
    task.queue = settings.CONVEYOR_SYSTEM_QUEUE
    task.enabled = schedule.enabled
    task.description = f"conveyor schedule {schedule.name!r} of client {schedule.client}"
    if reset:
        task.last_run_at = None
    # Beat itself saves rows with no_changes=True; ours must bump PeriodicTasks.last_update.
    task.no_changes = False
    task.save()
