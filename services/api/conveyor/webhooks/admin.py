"""The admin: every delivery with its attempts, and a job's deliveries on the job's page."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from conveyor.jobs.models import Job
from conveyor.webhooks.models import WebhookAttempt, WebhookDelivery

ATTEMPT_FIELDS = ("number", "started_at", "duration_seconds", "status_code", "delivered", "error")


class WebhookAttemptInline(admin.TabularInline[WebhookAttempt, WebhookDelivery]):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ATTEMPT_FIELDS
    readonly_fields = ATTEMPT_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: WebhookDelivery | None = None) -> bool:
        return False


class WebhookDeliveryInline(admin.TabularInline[WebhookDelivery, Job]):
    """On the job's page; each row links to the delivery's page with its attempts."""

    model = WebhookDelivery
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("id", "event", "state", "attempts", "next_attempt_at", "created_at", "finished_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = ("id", "event", "state", "attempts", "url", "job", "created_at", "finished_at")
    list_filter = ("state", "event")
    search_fields = ("id", "job__id", "url")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_select_related = ("job",)
    raw_id_fields = ("job",)
    inlines = (WebhookAttemptInline,)
    readonly_fields = tuple(f.name for f in WebhookDelivery._meta.fields if f.name != "token")
    exclude = ("token",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: WebhookDelivery | None = None
    ) -> bool:
        return False
