"""Scope checks: each API class maps HTTP methods to the scope they need."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from conveyor.clients.models import ApiClient


class HasScope(BasePermission):
    """The client must hold ``view.required_scopes[method]``.

    A method the view does not list is let through, so DRF answers it with 405.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        client = request.user
        if not isinstance(client, ApiClient):
            raise NotAuthenticated("Send 'Authorization: Bearer <api key>'.")
        scopes: dict[str, str] = getattr(view, "required_scopes", {})
        method = "GET" if request.method == "HEAD" else (request.method or "")
        if method == "OPTIONS":
            return True
        scope = scopes.get(method)
        if scope is None:
            return True
        if not client.has_scope(scope):
            raise PermissionDenied(f"This API key lacks the {scope!r} scope.")
        return True
