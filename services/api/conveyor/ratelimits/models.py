"""The shared state of the rate limits: one row per limit, one row per recent start."""

from __future__ import annotations

from django.db import models


class RateLimitBucket(models.Model):
    """One limit (``type:http.request``, ``queue:http``): the lock its acquires take.

    ``deferred_until`` is where the line of jobs this limit has put off ends: the next
    job refused is put off to at least then, so a backlog is spread over the coming
    slots instead of coming back all at once.
    """

    key = models.CharField(primary_key=True, max_length=210)
    deferred_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key


class RateLimitGrant(models.Model):
    """A job start a limit let through; kept while it is in the limit's window."""

    id = models.BigAutoField(primary_key=True)
    key = models.CharField(max_length=210)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["key", "at"], name="ratelimit_grant_key_at")]

    def __str__(self) -> str:
        return f"{self.key} at {self.at.isoformat()}"
