"""The signature on every webhook: HMAC-SHA256 over ``"<timestamp>.<body>"``.

``Conveyor-Signature: t=<unix seconds>,v1=<hex digest>``, keyed with the API client's
webhook secret (the whole ``whsec_…`` string, as UTF-8). The timestamp is the time of
the attempt, so a receiver can refuse old (replayed) requests; docs/webhooks.md shows
how a receiver checks both.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Conveyor-Signature"
ID_HEADER = "Conveyor-Webhook-Id"
EVENT_HEADER = "Conveyor-Event"
VERSION = "v1"


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``b"<timestamp>." + body`` under ``secret``."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    """The value of the ``Conveyor-Signature`` header."""
    return f"t={timestamp},{VERSION}={signature(secret=secret, timestamp=timestamp, body=body)}"
