"""What a ``webhook_url`` may be: an absolute http(s) URL with a host, at most 2,000
characters. Whether its address may be called is decided when it is called (the DNS
answer then counts), by the worker's destination guard."""

from __future__ import annotations

from urllib.parse import urlsplit

from rest_framework import serializers

MAX_URL_LENGTH = 2000


def validate_webhook_url(value: str) -> None:
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise serializers.ValidationError(
            "A webhook URL cannot contain spaces or control characters."
        )
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise serializers.ValidationError(f"Not a valid URL: {exc}.") from None
    if parts.scheme not in {"http", "https"}:
        raise serializers.ValidationError("A webhook URL must start with http:// or https://.")
    if not parts.hostname:
        raise serializers.ValidationError("A webhook URL needs a host.")
    if parts.username is not None or parts.password is not None:
        raise serializers.ValidationError(
            "A webhook URL cannot carry credentials; the signature authenticates conveyor."
        )
    if port == 0:
        raise serializers.ValidationError("Port 0 cannot be called.")
    if parts.fragment:
        raise serializers.ValidationError("A webhook URL cannot have a #fragment.")
