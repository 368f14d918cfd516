"""The schedule resource's input and output shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conveyor.core.serializers import StrictInputSerializer
from conveyor.jobs.serializers import JobCreateInput
from conveyor.schedules import services, timing
from conveyor.schedules.models import Schedule


class CronInput(StrictInputSerializer):
    expression = serializers.CharField(
        max_length=200, help_text="minute hour day-of-month month day-of-week, or @daily etc."
    )
    timezone = serializers.CharField(
        max_length=64, default="UTC", help_text="IANA time zone, such as Europe/Berlin"
    )

    def validate(self, attrs: dict[str, Any]) -> timing.Cron:  # type: ignore[override]
        try:
            return timing.Cron.parse(attrs["expression"], attrs["timezone"])
        except timing.TimingError as exc:
            raise serializers.ValidationError({exc.field: [exc.message]}) from None


class ScheduleJobInput(JobCreateInput):
    """The job each run submits: a submission as ``POST /v1/jobs`` takes it, without a
    start time (the schedule says when)."""

    run_at = None  # type: ignore[assignment]
    delay_seconds = None  # type: ignore[assignment]


def _interval_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        max_value=timing.MAX_INTERVAL_SECONDS,
        help_text="run every N seconds",
        **kwargs,
    )


def _one_timing(attrs: dict[str, Any], *, required: bool) -> None:
    given = [name for name in ("cron", "interval_seconds") if attrs.get(name) is not None]
    if len(given) > 1:
        raise serializers.ValidationError(
            {"interval_seconds": ["Give cron or interval_seconds, not both."]}
        )
    if required and not given:
        raise serializers.ValidationError({"cron": ["Give cron or interval_seconds."]})


def when_of(attrs: dict[str, Any]) -> timing.Timing | None:
    if attrs.get("cron") is not None:
        cron: timing.Cron = attrs["cron"]
        return cron
    if attrs.get("interval_seconds") is not None:
        return timing.Interval.of(attrs["interval_seconds"])
    return None


class ScheduleCreateInput(StrictInputSerializer):
    name = serializers.CharField(max_length=100)
    cron = CronInput(required=False)
    interval_seconds = _interval_field(required=False)
    job = ScheduleJobInput()
    enabled = serializers.BooleanField(default=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _one_timing(attrs, required=True)
        return attrs


class ScheduleUpdateInput(StrictInputSerializer):
    """A PATCH: what is given changes. A timing replaces the other kind (cron for an
    interval or the reverse); a job template replaces the whole template."""

    name = serializers.CharField(max_length=100, required=False)
    cron = CronInput(required=False)
    interval_seconds = _interval_field(required=False)
    job = ScheduleJobInput(required=False)
    enabled = serializers.BooleanField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _one_timing(attrs, required=False)
        return attrs


class CronOutput(serializers.Serializer[Any]):
    expression = serializers.CharField()
    timezone = serializers.CharField()


class JobTemplateOutput(serializers.Serializer[Any]):
    type = serializers.CharField()
    params = serializers.DictField()
    queue = serializers.CharField(allow_null=True, help_text="null: the job type's queue")
    priority = serializers.IntegerField()
    max_attempts = serializers.IntegerField(
        allow_null=True, help_text="null: the job type's retry policy"
    )
    timeout_seconds = serializers.IntegerField(
        allow_null=True, help_text="null: the job type's time limit"
    )
    labels = serializers.DictField(child=serializers.CharField())
    webhook_url = serializers.CharField(required=False)


class ScheduleOutput(serializers.ModelSerializer[Schedule]):
    cron = serializers.SerializerMethodField()
    job = JobTemplateOutput()
    next_run_at = serializers.SerializerMethodField()

    class Meta:
        model = Schedule
        fields = (
            "id",
            "name",
            "cron",
            "interval_seconds",
            "job",
            "enabled",
            "last_run_at",
            "next_run_at",
            "created_at",
            "updated_at",
        )

    @extend_schema_field(CronOutput(allow_null=True))
    def get_cron(self, schedule: Schedule) -> dict[str, str] | None:
        if not schedule.is_cron:
            return None
        return {"expression": schedule.cron_expression, "timezone": schedule.timezone}

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_run_at(self, schedule: Schedule) -> str | None:
        due: datetime | None = services.next_run_at(schedule)
        return None if due is None else serializers.DateTimeField().to_representation(due)
