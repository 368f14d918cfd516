"""A webhook delivery (one event of a job, sent until delivered or given up) and its
attempts (each POST, with what came back)."""

from __future__ import annotations

import uuid

from django.db import models

from conveyor.jobs.models import Job


class WebhookDelivery(models.Model):
    """One event of a job (it ended) to POST to the job's ``webhook_url``.

    Its id is the ``webhook-id`` header, the same on every attempt, so a receiver
    can drop duplicates. The body is fixed when the event happens and sent as is on every
    attempt. A pending delivery is sent by the message that carries its current ``token``;
    ``next_attempt_at`` is when the dispatcher sends it again if none has (the time of the
    next retry, or the end of the current attempt's lease).
    """

    class State(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        # Given up: refused destination, a non-retryable answer, or no attempts left.
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="webhook_deliveries")
    # job.succeeded, job.failed or job.cancelled
    event = models.CharField(max_length=40)
    url = models.CharField(max_length=2000)
    # The exact JSON sent (and signed) on every attempt.
    body = models.TextField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    token = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at",)
        indexes = [
            models.Index(fields=["job", "created_at"], name="webhook_job_created"),
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state="pending"),
                name="webhook_pending_due",
            ),
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} of {self.job_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One POST of a delivery: the status code that came back, or the error."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_records"
    )
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_seconds = models.FloatField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    delivered = models.BooleanField(default=False)

    class Meta:
        ordering = ("started_at",)
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"
