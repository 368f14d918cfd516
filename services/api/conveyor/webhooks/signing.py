"""Webhook signatures by the Standard Webhooks specification (https://www.standardwebhooks.com).

Every delivery carries three headers:

- ``webhook-id``: the delivery's id, the same on every attempt (receivers drop duplicates);
- ``webhook-timestamp``: the attempt's time, in Unix seconds (receivers refuse old ones);
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256>`` of ``"<id>.<timestamp>.<body>"``,
  keyed with the secret's bytes (``whsec_<base64>``, the part after ``whsec_`` decoded).

The id is signed, so a recorded delivery replayed with a fresh id does not verify. While
a rotated-out secret is still in its overlap window the header holds one signature per
secret, separated by spaces, and a receiver holding either secret accepts the request.
Any Standard Webhooks library verifies these (the tests use the ``standardwebhooks`` one);
docs/webhooks.md shows a receiver in plain Python.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
EVENT_HEADER = "Conveyor-Event"
VERSION = "v1"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a marker, not a secret


class InvalidSecret(ValueError):
    """Not a ``whsec_<base64>`` secret."""


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_…`` secret: the base64 after the prefix, decoded.

    Secrets made before conveyor followed the specification are URL-safe base64 without
    padding; they decode to the same bytes here (docs/webhooks.md tells receivers how to
    convert them for a library).
    """
    text = secret.removeprefix(SECRET_PREFIX)
    text = text.replace("-", "+").replace("_", "/")
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidSecret("a webhook secret is whsec_ and base64") from exc
    if not key:
        raise InvalidSecret("a webhook secret cannot be empty")
    return key


def signature(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "<msg_id>.<timestamp>.<body>">`` under ``secret``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return f"{VERSION},{base64.b64encode(digest).decode()}"


def signature_header(*, secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one signature per secret, space-separated."""
    return " ".join(
        signature(secret=s, msg_id=msg_id, timestamp=timestamp, body=body) for s in secrets
    )


def signed_headers(
    *, secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> list[tuple[str, str]]:
    """The three Standard Webhooks headers of one attempt."""
    return [
        (ID_HEADER, msg_id),
        (TIMESTAMP_HEADER, str(timestamp)),
        (
            SIGNATURE_HEADER,
            signature_header(secrets=secrets, msg_id=msg_id, timestamp=timestamp, body=body),
        ),
    ]
