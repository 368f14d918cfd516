"""Creating API clients and their keys."""

from __future__ import annotations

from collections.abc import Sequence

from conveyor.clients.keycache import key_cache
from conveyor.clients.keys import generate_key, generate_webhook_secret
from conveyor.clients.models import ApiClient
from conveyor.clients.scopes import ALL_SCOPES, unknown_scopes
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


def api_client_rotate_webhook_secret(*, name: str) -> ApiClient:
    """Give the client a new webhook signing secret; webhooks sent from now on use it."""
    client = ApiClient.objects.filter(name=name).first()
    if client is None:
        raise NotFound(f"No client named {name!r}.")
    client.webhook_secret = generate_webhook_secret()
    client.save(update_fields=["webhook_secret"])
    return client


def api_client_revoke(*, client: ApiClient) -> ApiClient:
    """Revoke the client's API key: refused at once by this process, and by every other
    API process within ``CONVEYOR_API_KEY_CACHE_SECONDS`` (clients/keycache.py)."""
    ApiClient.objects.filter(pk=client.pk).update(is_active=False)
    client.is_active = False
    key_cache.forget(client.pk)
    return client
