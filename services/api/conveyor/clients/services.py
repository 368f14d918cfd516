"""Creating API clients and their keys."""

from __future__ import annotations

from collections.abc import Sequence

from conveyor.clients.keys import generate_key
from conveyor.clients.models import ApiClient
from conveyor.clients.scopes import ALL_SCOPES
from conveyor.core.errors import Conflict, InvalidInput


def api_client_create(*, name: str, scopes: Sequence[str]) -> tuple[ApiClient, str]:
    """A new client and its key. The key is returned once and never stored."""
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
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
