"""``Authorization: Bearer <api key>``."""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from conveyor.clients.keys import digest_matches, parse_prefix
from conveyor.clients.models import ApiClient


class ApiKeyAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[ApiClient, str] | None:
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() != self.keyword or len(header) != 2:
            raise AuthenticationFailed("Use 'Authorization: Bearer <api key>'.")
        key = header[1].decode("latin-1")
        prefix = parse_prefix(key)
        client = (
            ApiClient.objects.filter(key_prefix=prefix, is_active=True).first() if prefix else None
        )
        if client is None or not digest_matches(key, client.key_digest):
            raise AuthenticationFailed("The API key is invalid or revoked.")
        return client, key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="conveyor"'
