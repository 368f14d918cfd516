"""The admin: inspect jobs, retry and cancel them through the same services as the API."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from conveyor.core.errors import ConveyorError
from conveyor.jobs import services
from conveyor.jobs.models import AdvertisedTask, Job, JobAttempt
from conveyor.webhooks.admin import WebhookDeliveryInline


class JobAttemptInline(admin.TabularInline[JobAttempt, Job]):
    model = JobAttempt
    extra = 0
    can_delete = False
    fields = (
        "number",
        "outcome",
        "worker",
        "started_at",
        "finished_at",
        "error_type",
        "error_message",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = (
        "id",
        "type",
        "state",
        "queue",
        "priority",
        "attempts",
        "client",
        "created_at",
        "finished_at",
    )
    list_filter = ("state", "type", "queue", "client")
    search_fields = ("id", "type")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_select_related = ("client",)
    inlines = (JobAttemptInline, WebhookDeliveryInline)
    actions = ("retry_jobs", "cancel_jobs")
    readonly_fields = tuple(f.name for f in Job._meta.fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        # Rows are read-only: state changes go through the actions, i.e. the services.
        return False

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("jobs.change_job")

    @admin.action(
        description="Retry the selected failed or cancelled jobs", permissions=["operate"]
    )
    def retry_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        self._apply(request, queryset, services.job_retry, "retried")

    @admin.action(description="Cancel the selected jobs", permissions=["operate"])
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        self._apply(request, queryset, services.job_cancel, "cancelled")

    def _apply(
        self, request: HttpRequest, queryset: QuerySet[Job], action: object, verb: str
    ) -> None:
        done, refused = 0, []
        for job in queryset:
            try:
                action(job=job)  # type: ignore[operator]
                done += 1
            except ConveyorError as exc:
                refused.append(exc.detail)
        if done:
            self.message_user(request, f"{done} job(s) {verb}.", messages.SUCCESS)
        for detail in refused[:10]:
            self.message_user(request, detail, messages.WARNING)


@admin.register(AdvertisedTask)
class AdvertisedTaskAdmin(admin.ModelAdmin[AdvertisedTask]):
    """The Django tasks workers advertised (docs/django.md#advertised-tasks): read-only, as
    workers write them; an operator deletes the row of a task removed from the project's
    code, so that jobs naming it are refused again."""

    list_display = ("path", "queue", "takes_context", "worker", "advertised_at")
    list_filter = ("queue",)
    search_fields = ("path",)
    ordering = ("path",)
    readonly_fields = tuple(f.name for f in AdvertisedTask._meta.fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: AdvertisedTask | None = None
    ) -> bool:
        return False
