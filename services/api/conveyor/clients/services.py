"""Creating API clients and their keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from conveyor.clients.keycache import key_cache
from conveyor.clients.keys import generate_key, generate_webhook_secret
from conveyor.clients.models import ApiClient
from conveyor.clients.scopes import ALL_SCOPES, unknown_scopes
from conveyor.core import database
from conveyor.core.errors import Conflict, InvalidInput, NotFound


def api_client_create(*, name: str, scopes: Sequence[str]) -> tuple[ApiClient, str]:
    """A new client and its key. The key is returned once and never stored."""
    if isinstance(scopes, str):
        raise InvalidInput("Give the scopes as a list of names.")
    unknown = unknown_scopes(scopes)
    if unknown:
        raise InvalidInput(
            f"Unknown scopes {', '.join(unknown)}; choose from {', '.join(ALL_SCOPES)}."
        )
    if not name.strip():
        raise InvalidInput("A client needs a name.")
    if ApiClient.objects.filter(name=name).exists():
        raise Conflict(f"A client named {name!r} exists already; pick another name.")
    new = generate_key()
    client = ApiClient.objects.create(
        name=name, key_prefix=new.prefix, key_digest=new.digest, scopes=sorted(set(scopes))
    )
    return client, new.key


def api_client_rotate_webhook_secret(
    *, name: str, overlap: timedelta | None = None, now: datetime | None = None
) -> ApiClient:
    """Give the client a new webhook signing secret. Webhooks sent from now on are signed
    with it and, for ``overlap`` (``CONVEYOR_WEBHOOK_SECRET_OVERLAP`` unless given; zero:
    not at all), with the old one too, so receivers can switch without a gap."""
    overlap = settings.CONVEYOR_WEBHOOK_SECRET_OVERLAP if overlap is None else overlap
    if overlap < timedelta(0):
        raise InvalidInput("The overlap cannot be negative.")
    now = now or timezone.now()
    with transaction.atomic(using=database.alias()):
        client = ApiClient.objects.select_for_update().filter(name=name).first()
        if client is None:
            raise NotFound(f"No client named {name!r}.")
        client.previous_webhook_secret = client.webhook_secret if overlap else ""
        client.previous_webhook_secret_until = now + overlap if overlap else None
        client.webhook_secret = generate_webhook_secret()
        client.save(
            update_fields=[
                "webhook_secret",
                "previous_webhook_secret",
                "previous_webhook_secret_until",
            ]
        )
    return client


def api_client_revoke(*, client: ApiClient) -> ApiClient:
    """Revoke the client's API key: refused at once by this process, and by every other
    API process within ``CONVEYOR_API_KEY_CACHE_SECONDS`` (clients/keycache.py)."""
    ApiClient.objects.filter(pk=client.pk).update(is_active=False)
    client.is_active = False
    key_cache.forget(client.pk)
    return client
