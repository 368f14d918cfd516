"""How a job's webhook deliveries appear in the job resource (``GET /v1/jobs/{id}``)."""

from __future__ import annotations

from rest_framework import serializers

from conveyor.webhooks.models import WebhookAttempt, WebhookDelivery


class WebhookAttemptOutput(serializers.ModelSerializer[WebhookAttempt]):
    class Meta:
        model = WebhookAttempt
        fields = ("number", "started_at", "duration_seconds", "status_code", "error", "delivered")


class WebhookDeliveryOutput(serializers.ModelSerializer[WebhookDelivery]):
    attempt_history = WebhookAttemptOutput(many=True, source="attempt_records")

    class Meta:
        model = WebhookDelivery
        fields = (
            "id",
            "event",
            "url",
            "state",
            "attempts",
            "next_attempt_at",
            "created_at",
            "finished_at",
            "attempt_history",
        )
