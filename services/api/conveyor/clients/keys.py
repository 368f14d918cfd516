"""API keys: ``cvk_<prefix>_<secret>``; only the prefix and a SHA-256 of the key are stored.
Webhook signing secrets (``whsec_…``) are made here too (see ``generate_webhook_secret``).

The secret has 256 bits of entropy, so a fast hash is enough (a slow password hash
would only slow every request); lookups go by the prefix, comparison is constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_MARK = "cvk"
PREFIX_LENGTH = 12


@dataclass(frozen=True)
class NewKey:
    key: str
    prefix: str
    digest: str


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def generate_key() -> NewKey:
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    key = f"{KEY_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewKey(key=key, prefix=prefix, digest=key_digest(key))


def parse_prefix(key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_MARK or len(parts[1]) != PREFIX_LENGTH:
        return None
    return parts[1]


def digest_matches(key: str, digest: str) -> bool:
    return hmac.compare_digest(key_digest(key), digest)


WEBHOOK_SECRET_MARK = "whsec"  # noqa: S105 - a marker, not a secret


def generate_webhook_secret() -> str:
    """A client's webhook signing secret: ``whsec_<base64 of 32 random bytes>``, the form
    the Standard Webhooks libraries take (conveyor/webhooks/signing.py).

    Unlike a key it is stored as is: conveyor needs it to sign every webhook it sends.
    """
    return f"{WEBHOOK_SECRET_MARK}_{base64.b64encode(secrets.token_bytes(32)).decode()}"
