"""The admin: each rate limit, its rate in force and how many starts its window holds.

Read-only: limits are declared by job types and settings (docs/rate-limits.md), so the
admin shows their state and never edits it.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from conveyor.core.rates import Rate
from conveyor.jobs.types import get_job_type, queue_rate, type_rate
from conveyor.ratelimits.models import RateLimitBucket, RateLimitGrant


def rate_of(bucket: RateLimitBucket) -> Rate | None:
    """The rate in force for the bucket's key (``type:<name>`` or ``queue:<name>``)."""
    kind, _, name = bucket.key.partition(":")
    if kind == "queue":
        return queue_rate(name)
    spec = get_job_type(name)
    return type_rate(spec) if spec is not None else None


@admin.register(RateLimitBucket)
class RateLimitBucketAdmin(admin.ModelAdmin[RateLimitBucket]):
    list_display = ("key", "rate", "starts_in_window", "deferred_until", "created_at")
    search_fields = ("key",)
    ordering = ("key",)

    @admin.display(description="rate in force")
    def rate(self, bucket: RateLimitBucket) -> str:
        rate = rate_of(bucket)
        return str(rate) if rate is not None else "none (no longer limited)"

    @admin.display(description="starts in the current window")
    def starts_in_window(self, bucket: RateLimitBucket) -> int | None:
        rate = rate_of(bucket)
        if rate is None:
            return None
        since = timezone.now() - rate.period
        return RateLimitGrant.objects.filter(key=bucket.key, at__gt=since).count()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: RateLimitBucket | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: RateLimitBucket | None = None
    ) -> bool:
        return False
