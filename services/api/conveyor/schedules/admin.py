"""The admin: list, edit, enable and disable schedules through the same services as the API,
so each edit keeps the schedule's beat PeriodicTask in step."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from conveyor.core.errors import ConveyorError
from conveyor.jobs.types import all_job_types
from conveyor.schedules import services, timing
from conveyor.schedules.models import Schedule, ScheduleRun
from conveyor.schedules.serializers import ScheduleJobInput


def job_type_choices() -> list[tuple[str, str]]:
    """The job types a schedule may submit, from the job type registry."""
    return [("", "---------")] + [
        (spec.name, spec.name) for spec in sorted(all_job_types(), key=lambda t: t.name)
    ]


class ScheduleForm(forms.ModelForm[Schedule]):
    """Checks the timing and the job as the API does; the admin then saves through the
    services. The job is a job type chosen from the registry and its params, checked
    against the type's schema (errors on the field at fault), not a JSON template."""

    job_type = forms.ChoiceField(
        label="Job type",
        choices=job_type_choices,
        help_text="what each run submits (GET /v1/job-types lists them with their params)",
    )
    job_params = forms.JSONField(
        label="Params",
        required=False,
        initial=dict,
        help_text='the job\'s params as JSON, such as {"seconds": 5}; checked against the '
        "job type's schema",
    )
    job_queue = forms.CharField(
        label="Queue",
        required=False,
        max_length=100,
        help_text="leave empty for the job type's queue",
    )
    job_priority = forms.IntegerField(
        label="Priority", min_value=0, max_value=9, initial=5, help_text="0 (lowest) to 9"
    )
    job_labels = forms.JSONField(
        label="Labels",
        required=False,
        initial=dict,
        help_text='labels of each job, as JSON: {"team": "billing"}',
    )

    #: The form's field of each job template field (the rest are kept as they were).
    JOB_FIELDS = {
        "type": "job_type",
        "params": "job_params",
        "queue": "job_queue",
        "priority": "job_priority",
        "labels": "job_labels",
    }

    class Meta:
        model = Schedule
        fields = ("client", "name", "cron_expression", "timezone", "interval_seconds")
        help_texts = {
            "cron_expression": "minute hour day-of-month month day-of-week (or @daily ...); "
            "leave empty for an interval",
            "timezone": "IANA name, such as Europe/Berlin (cron only; UTC if empty)",
            "interval_seconds": "run every N seconds; leave empty for a cron expression",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        job = self.instance.job if self.instance.pk and isinstance(self.instance.job, dict) else {}
        for key, name in self.JOB_FIELDS.items():
            if job.get(key) is not None:
                self.initial[name] = job[key]

    def job_template(self, data: dict[str, Any]) -> dict[str, Any]:
        """The job template the form's fields give, over the stored one's other fields."""
        stored = (
            self.instance.job if self.instance.pk and isinstance(self.instance.job, dict) else {}
        )
        template = {k: v for k, v in stored.items() if v is not None}
        template.update(
            {
                "type": data.get("job_type") or "",
                "params": data.get("job_params") or {},
                "priority": data.get("job_priority", 5),
                "labels": data.get("job_labels") or {},
            }
        )
        template.pop("queue", None)
        if data.get("job_queue"):
            template["queue"] = data["job_queue"]
        return template

    def _job_error(self, field: str, message: str) -> None:
        """A template field's error (``params.seconds``, ``job.queue``) on its form field."""
        path = field.removeprefix("job.")
        key, _, rest = path.partition(".")
        target = self.JOB_FIELDS.get(key)
        if target is None:
            self.add_error(None, f"{path}: {message}")
        else:
            self.add_error(target, f"{rest}: {message}" if rest else message)

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
        if "job_type" not in data:
            return data  # no type chosen: its field error says so
        for name in ("job_params", "job_labels"):
            if name in data and data[name] is not None and not isinstance(data[name], dict):
                self.add_error(name, 'Give a JSON object, such as {"key": "value"}.')
                return data
        template = ScheduleJobInput(data=self.job_template(data))
        client = data.get("client") or getattr(self.instance, "client", None)
        if not template.is_valid():
            for field, problems in template.errors.items():
                for problem in problems if isinstance(problems, list) else [problems]:
                    self._job_error(str(field), str(problem))
        elif client is not None:
            try:
                data["job"] = services.job_template_clean(
                    client=client, template=template.validated_data
                )
            except ConveyorError as exc:
                if not exc.errors:
                    self.add_error(None, exc.detail)
                for error in exc.errors:
                    self._job_error(error["field"], error["message"])
        return data


# conveyor drives beat itself: each schedule's PeriodicTask follows the Schedule (above);
# beat's own pages would let an edit there break that link.
for beat_model in (PeriodicTask, IntervalSchedule, CrontabSchedule, SolarSchedule, ClockedSchedule):
    if admin.site.is_registered(beat_model):
        admin.site.unregister(beat_model)


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
