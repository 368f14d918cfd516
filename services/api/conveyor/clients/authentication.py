"""``Authorization: Bearer <api key>``."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, cast

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from conveyor.clients.keycache import key_cache
from conveyor.clients.keys import key_digest, parse_prefix
from conveyor.clients.models import ApiClient

if TYPE_CHECKING:  # the schema generator imports this module's authenticator itself
    from drf_spectacular.openapi import AutoSchema


class ApiKeyAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[ApiClient, str] | None:
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() != self.keyword or len(header) != 2:
            raise AuthenticationFailed("Use 'Authorization: Bearer <api key>'.")
        key = header[1].decode("latin-1")
        client = client_for_key(key)
        if client is None:
            raise AuthenticationFailed("The API key is invalid or revoked.")
        return client, key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="conveyor"'


def client_for_key(key: str) -> ApiClient | None:
    """The active client ``key`` belongs to, or None for a wrong or revoked key."""
    digest = key_digest(key)
    # A key checked in the last few seconds (clients/keycache.py): no query.
    cached = key_cache.get(digest)
    if cached is not None:
        return cached
    prefix = parse_prefix(key)
    client = ApiClient.objects.filter(key_prefix=prefix, is_active=True).first() if prefix else None
    if client is None or not hmac.compare_digest(digest, client.key_digest):
        return None
    key_cache.put(digest, client, seconds=settings.CONVEYOR_API_KEY_CACHE.total_seconds())
    return client


def client_of(request: Request) -> ApiClient:
    """The API client a request was authenticated as (DRF's ``request.user``)."""
    return cast(ApiClient, request.user)


class ApiKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """How the OpenAPI schema names the API key: an HTTP bearer token."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "conveyor API key"}
