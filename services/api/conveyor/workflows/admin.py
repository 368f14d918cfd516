"""The admin: inspect workflows and their jobs, cancel and retry them through the same
services as the API."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from conveyor.core.errors import ConveyorError
from conveyor.workflows import services
from conveyor.workflows.models import Step, Workflow


class StepInline(admin.TabularInline[Step, Workflow]):
    model = Step
    extra = 0
    can_delete = False
    fields = ("name", "job_link", "job_state", "on_dependency_failure", "results_param")
    readonly_fields = fields
    ordering = ("position",)

    def has_add_permission(self, request: HttpRequest, obj: Workflow | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Step]:
        return super().get_queryset(request).select_related("job")

    @admin.display(description="job")
    def job_link(self, step: Step) -> str:
        url = reverse("admin:jobs_job_change", args=[step.job_id])
        return format_html('<a href="{}">{}</a>', url, step.job_id)

    @admin.display(description="state")
    def job_state(self, step: Step) -> str:
        return str(step.job.state)


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin[Workflow]):
    list_display = ("id", "name", "state", "client", "created_at", "finished_at")
    list_filter = ("state", "client")
    search_fields = ("id", "name")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_select_related = ("client",)
    inlines = (StepInline,)
    actions = ("cancel_workflows", "retry_workflows")
    readonly_fields = tuple(f.name for f in Workflow._meta.fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Workflow | None = None) -> bool:
        # Rows are read-only: state changes go through the actions, i.e. the services.
        return False

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("jobs.change_job")

    @admin.action(description="Cancel the selected workflows", permissions=["operate"])
    def cancel_workflows(self, request: HttpRequest, queryset: QuerySet[Workflow]) -> None:
        self._apply(request, queryset, services.workflow_cancel, "cancelled")

    @admin.action(
        description="Retry the selected failed or cancelled workflows", permissions=["operate"]
    )
    def retry_workflows(self, request: HttpRequest, queryset: QuerySet[Workflow]) -> None:
        self._apply(request, queryset, services.workflow_retry, "retried")

    def _apply(
        self,
        request: HttpRequest,
        queryset: QuerySet[Workflow],
        action: Callable[..., Workflow],
        verb: str,
    ) -> None:
        done, refused = 0, []
        for workflow in queryset:
            try:
                action(workflow=workflow)
                done += 1
            except ConveyorError as exc:
                refused.append(exc.detail)
        if done:
            self.message_user(request, f"{done} workflow(s) {verb}.", messages.SUCCESS)
        for detail in refused[:10]:
            self.message_user(request, detail, messages.WARNING)
