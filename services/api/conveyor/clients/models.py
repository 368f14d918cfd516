"""An API client: who submits jobs. A client sees only its own jobs."""

from __future__ import annotations

from django.db import models


class ApiClient(models.Model):
    name = models.CharField(max_length=100, unique=True)
    key_prefix = models.CharField(max_length=16, unique=True)
    key_digest = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    # DRF treats the authenticated principal as request.user.
    @property
    def is_authenticated(self) -> bool:
        return True

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
