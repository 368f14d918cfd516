"""Schedules: a client's periodic jobs, and the runs they fired.

A ``Schedule`` holds the timing (a cron expression in a time zone, or an interval) and the
job template; its django-celery-beat ``PeriodicTask`` makes beat send
``conveyor.fire_schedule`` at about each due instant. A ``ScheduleRun`` is one due instant
fired; its unique ``(schedule, due_at)`` makes a second beat's message for the same run
(a rolling update runs two) create nothing.
"""

from __future__ import annotations

import uuid

from django.db import models
from django_celery_beat.models import PeriodicTask

from conveyor.clients.models import ApiClient
from conveyor.jobs.models import Job


class Schedule(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="schedules")
    name = models.CharField(max_length=100)
    # Either a cron expression in a time zone...
    cron_expression = models.CharField(max_length=200, blank=True, default="")
    timezone = models.CharField(max_length=64, blank=True, default="")
    # ...or an interval.
    interval_seconds = models.PositiveIntegerField(null=True, blank=True)
    # The job each run submits: type, params, queue, priority, max_attempts,
    # timeout_seconds, labels (validated as a submission is).
    job = models.JSONField()
    enabled = models.BooleanField(default=True)
    # Runs are due after this instant: set when the schedule is created, its timing
    # changes or it is enabled again (an interval's grid is anchored here).
    started_at = models.DateTimeField()
    # The due instant of the latest run fired.
    last_run_at = models.DateTimeField(null=True, blank=True)
    periodic_task = models.OneToOneField(
        PeriodicTask, on_delete=models.PROTECT, related_name="conveyor_schedule"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["client", "-created_at"], name="schedule_client_created")]
        constraints = [
            models.UniqueConstraint(fields=["client", "name"], name="schedule_client_name"),
            models.CheckConstraint(
                condition=(models.Q(interval_seconds__isnull=True) & ~models.Q(cron_expression=""))
                | (models.Q(interval_seconds__gte=1) & models.Q(cron_expression="")),
                name="schedule_cron_or_interval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    @property
    def is_cron(self) -> bool:
        return bool(self.cron_expression)


class ScheduleRun(models.Model):
    """One due instant of a schedule, fired once."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="runs")
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField()
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Why no job was created (the template no longer validates, say).
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("-due_at",)
        constraints = [
            models.UniqueConstraint(fields=["schedule", "due_at"], name="schedule_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id} @ {self.due_at.isoformat()}"
