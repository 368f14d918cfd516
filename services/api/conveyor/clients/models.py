"""An API client: who submits jobs. A client sees only its own jobs."""

from __future__ import annotations

from django.db import models

from conveyor.clients.keys import generate_webhook_secret
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

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    # DRF treats the authenticated principal as request.user.
    @property
    def is_authenticated(self) -> bool:
        return True

    def has_scope(self, scope: str) -> bool:
        """Whether the client holds exactly this scope (never a name containing it)."""
        return scope in granted_scopes(self.scopes)
