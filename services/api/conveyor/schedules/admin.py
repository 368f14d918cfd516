"""The admin: list, edit, enable and disable schedules through the same services as the API,
so each edit keeps the schedule's beat PeriodicTask in step."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from conveyor.core.errors import ConveyorError
from conveyor.schedules import services, timing
from conveyor.schedules.models import Schedule, ScheduleRun
from conveyor.schedules.serializers import ScheduleJobInput


class ScheduleForm(forms.ModelForm[Schedule]):
    """Checks the timing and the job template as the API does; the admin then saves
    through the services."""

    class Meta:
        model = Schedule
        fields = ("client", "name", "cron_expression", "timezone", "interval_seconds", "job")
        help_texts = {
            "cron_expression": "minute hour day-of-month month day-of-week (or @daily ...); "
            "leave empty for an interval",
            "timezone": "IANA name, such as Europe/Berlin (cron only; UTC if empty)",
            "interval_seconds": "run every N seconds; leave empty for a cron expression",
            "job": 'the job each run submits, as POST /v1/jobs takes it: {"type": ..., '
            '"params": {...}, "queue": ..., "priority": ..., "labels": {...}}',
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        expression = (data.get("cron_expression") or "").strip()
        seconds = data.get("interval_seconds")
        try:
            if expression and seconds:
                raise timing.TimingError(
                    "interval_seconds", "Give a cron expression or an interval, not both."
                )
            if expression:
                data["when"] = timing.Cron.parse(expression, data.get("timezone") or "UTC")
            elif seconds:
                data["when"] = timing.Interval.of(seconds)
            else:
                raise timing.TimingError(
                    "cron_expression", "Give a cron expression or an interval."
                )
        except timing.TimingError as exc:
            field = {"expression": "cron_expression"}.get(exc.field, exc.field)
            self.add_error(field, exc.message)
        template = ScheduleJobInput(data=data.get("job"))
        client = data.get("client") or getattr(self.instance, "client", None)
        if not template.is_valid():
            self.add_error("job", json.dumps(template.errors))
        elif client is not None:
            try:
                data["job"] = services.job_template_clean(
                    client=client, template=template.validated_data
                )
            except ConveyorError as exc:
                self.add_error("job", f"{exc.detail} {json.dumps(exc.errors)}")
        return data


class ScheduleRunInline(admin.TabularInline[ScheduleRun, Schedule]):
    model = ScheduleRun
    extra = 0
    can_delete = False
    fields = ("due_at", "fired_at", "job", "error")
    readonly_fields = fields
    ordering = ("-due_at",)
    max_num = 0

    def has_add_permission(self, request: HttpRequest, obj: Schedule | None = None) -> bool:
        return False


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin[Schedule]):
    form = ScheduleForm
    list_display = (
        "name",
        "client",
        "timing",
        "enabled",
        "last_run_at",
        "next_run_at",
        "created_at",
    )
    list_filter = ("enabled", "client", "timezone")
    search_fields = ("name", "id")
    list_select_related = ("client",)
    ordering = ("-created_at",)
    readonly_fields = ("id", "enabled", "started_at", "last_run_at", "created_at", "updated_at")
    inlines = (ScheduleRunInline,)
    actions = ("enable_schedules", "disable_schedules")

    @admin.display(description="timing")
    def timing(self, schedule: Schedule) -> str:
        if schedule.is_cron:
            return f"{schedule.cron_expression} ({schedule.timezone})"
        return f"every {schedule.interval_seconds} s"

    @admin.display(description="next run at")
    def next_run_at(self, schedule: Schedule) -> str:
        due = services.next_run_at(schedule)
        return "-" if due is None else due.isoformat(timespec="seconds")

    def get_readonly_fields(
        self, request: HttpRequest, obj: Schedule | None = None
    ) -> tuple[str, ...]:
        # A schedule stays with the client that owns it.
        return (*self.readonly_fields, "client") if obj else self.readonly_fields

    def save_model(
        self, request: HttpRequest, obj: Schedule, form: forms.ModelForm[Schedule], change: bool
    ) -> None:
        data = form.cleaned_data
        if change:
            # As stored (the form has already written its fields onto ``obj``), so the
            # service sees what changes.
            stored = Schedule.objects.select_related("client", "periodic_task").get(pk=obj.pk)
            services.schedule_update(
                schedule=stored, name=data["name"], when=data["when"], job=data["job"]
            )
        else:
            saved = services.schedule_create(
                client=data["client"], name=data["name"], when=data["when"], job=data["job"]
            )
            obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Schedule) -> None:
        services.schedule_delete(schedule=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Schedule]) -> None:
        for schedule in queryset.select_related("periodic_task"):
            services.schedule_delete(schedule=schedule)

    @admin.action(description="Enable the selected schedules")
    def enable_schedules(self, request: HttpRequest, queryset: QuerySet[Schedule]) -> None:
        self._set_enabled(request, queryset, enabled=True)

    @admin.action(description="Disable the selected schedules")
    def disable_schedules(self, request: HttpRequest, queryset: QuerySet[Schedule]) -> None:
        self._set_enabled(request, queryset, enabled=False)

    def _set_enabled(
        self, request: HttpRequest, queryset: QuerySet[Schedule], *, enabled: bool
    ) -> None:
        count = 0
        for schedule in queryset.select_related("client", "periodic_task"):
            services.schedule_update(schedule=schedule, enabled=enabled)
            count += 1
        verb = "enabled" if enabled else "disabled"
        self.message_user(request, f"{count} schedule(s) {verb}.", messages.SUCCESS)
