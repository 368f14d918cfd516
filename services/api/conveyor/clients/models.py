"""An API client: who submits jobs. A client sees only its own jobs."""

from __future__ import annotations

from datetime import datetime

from django.core.validators import MinValueValidator
from django.db import models

from conveyor.clients.keys import generate_webhook_secret
from conveyor.clients.rates import validate_rate
from conveyor.clients.scopes import granted_scopes


class ApiClient(models.Model):
    name = models.CharField(max_length=100, unique=True)
    key_prefix = models.CharField(max_length=16, unique=True)
    key_digest = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Signs the webhooks of this client's jobs (HMAC-SHA256). Stored as is, because
    # conveyor signs with it; shown once by create_api_client, never by the API.
    webhook_secret = models.CharField(max_length=100, default=generate_webhook_secret)
    # The secret a rotation replaced, still signing (beside the new one) until
    # previous_webhook_secret_until, so receivers can switch without losing a delivery.
    previous_webhook_secret = models.CharField(max_length=100, blank=True, default="")
    previous_webhook_secret_until = models.DateTimeField(null=True, blank=True)

    # Fair share (conveyor/clients/limits.py): this client's own limits; empty: the
    # platform's default (CONVEYOR_THROTTLE_RATE and friends, docs/security.md).
    #: Requests this client may make, as "<number>/<s|m|h|d>".
    throttle_rate = models.CharField(
        max_length=32,
        blank=True,
        validators=[validate_rate],
        help_text="Requests per period, e.g. 50/s or 1000/m. Empty: CONVEYOR_THROTTLE_RATE.",
    )
    #: Jobs this client may have unfinished at once (0: no limit).
    max_unfinished_jobs = models.PositiveIntegerField(
        null=True, blank=True, help_text="0: no limit. Empty: CONVEYOR_MAX_UNFINISHED_JOBS."
    )
    #: Jobs of this client running at once, across every worker (0: no limit); a job
    #: over it waits, scheduled, without using an attempt (conveyor_worker/admission.py).
    max_running_jobs = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="0: no limit. Empty: CONVEYOR_MAX_RUNNING_JOBS_PER_CLIENT.",
    )
    #: Schedules this client may have (0: no limit).
    max_schedules = models.PositiveIntegerField(
        null=True, blank=True, help_text="0: no limit. Empty: CONVEYOR_MAX_SCHEDULES."
    )
    #: The shortest interval_seconds of this client's schedules.
    min_schedule_interval_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Empty: CONVEYOR_MIN_SCHEDULE_INTERVAL_SECONDS.",
    )
    #: How far ahead this client's run_at may be, in days.
    run_at_horizon_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Empty: CONVEYOR_RUN_AT_HORIZON_DAYS.",
    )

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    # DRF treats the authenticated principal as request.user.
    @property
    def is_authenticated(self) -> bool:
        return True

    def webhook_signing_secrets(self, now: datetime) -> tuple[str, ...]:
        """The secrets a webhook sent at ``now`` is signed with: the current one, and the
        previous one while its overlap window lasts."""
        until = self.previous_webhook_secret_until
        if self.previous_webhook_secret and until is not None and now < until:
            return (self.webhook_secret, self.previous_webhook_secret)
        return (self.webhook_secret,)

    def has_scope(self, scope: str) -> bool:
        """Whether the client holds exactly this scope (never a name containing it)."""
        return scope in granted_scopes(self.scopes)
