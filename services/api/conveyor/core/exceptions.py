"""Every error the API returns has one shape: ``application/problem+json`` (RFC 9457).

``{"type", "title", "status", "detail", "instance", "errors": [{"field", "message", "code"}]}``
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from conveyor.core.errors import ConveyorError

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://conveyor.dev/problems/"

_DRF_CODES: dict[type[drf.APIException], tuple[str, str]] = {
    drf.NotAuthenticated: ("unauthenticated", "Authentication required"),
    drf.AuthenticationFailed: ("unauthenticated", "Authentication failed"),
    drf.PermissionDenied: ("forbidden", "Forbidden"),
    drf.NotFound: ("not-found", "Not found"),
    drf.MethodNotAllowed: ("method-not-allowed", "Method not allowed"),
    drf.NotAcceptable: ("not-acceptable", "Not acceptable"),
    drf.UnsupportedMediaType: ("unsupported-media-type", "Unsupported media type"),
    drf.ParseError: ("malformed-body", "Malformed request body"),
    drf.ValidationError: ("invalid-input", "Invalid input"),
    drf.Throttled: ("too-many-requests", "Too many requests"),
}


def problem(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str = "",
    errors: Sequence[Mapping[str, str]] = (),
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = list(errors)
    return body


def flatten_field_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail as a flat list of ``{field, message, code}``."""
    out: list[dict[str, str]] = []
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            name = str(key)
            if name == "non_field_errors":
                name = ""
            field = f"{prefix}.{name}" if prefix and name else (prefix or name)
            out.extend(flatten_field_errors(value, field))
    elif isinstance(detail, list | tuple):
        if all(not isinstance(item, Mapping | list | tuple) for item in detail):
            for item in detail:
                out.append(_error_item(prefix, item))
        else:
            for index, item in enumerate(detail):
                out.extend(flatten_field_errors(item, f"{prefix}[{index}]"))
    else:
        out.append(_error_item(prefix, detail))
    return out


def _error_item(field: str, item: Any) -> dict[str, str]:
    return {"field": field, "message": str(item), "code": str(getattr(item, "code", "invalid"))}


def problem_exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: domain, DRF and database errors as problem+json."""
    request = context.get("request")
    instance = request.path if request is not None else ""
    headers: dict[str, str] = {}

    if isinstance(exc, ConveyorError):
        body = problem(
            status=exc.status,
            code=exc.code,
            title=exc.title,
            detail=exc.detail,
            instance=instance,
            errors=exc.errors,
        )
    elif isinstance(exc, Http404):
        body = problem(
            status=404,
            code="not-found",
            title="Not found",
            detail="No such resource.",
            instance=instance,
        )
    elif isinstance(exc, PermissionDenied):
        body = problem(
            status=403,
            code="forbidden",
            title="Forbidden",
            detail="You may not do this.",
            instance=instance,
        )
    elif isinstance(exc, RequestDataTooBig):
        body = _too_large(instance)
    elif isinstance(exc, OperationalError | InterfaceError) and not _database_usable():
        log.warning("database unavailable: %s", exc)
        body = problem(
            status=503,
            code="database-unavailable",
            title="Service unavailable",
            detail="The database is unavailable; retry shortly.",
            instance=instance,
        )
        headers["Retry-After"] = "2"
    elif isinstance(exc, drf.APIException):
        code, title = _drf_code(exc)
        errors: list[dict[str, str]] = []
        if isinstance(exc, drf.ValidationError):
            errors = flatten_field_errors(exc.detail)
            detail = "The request has invalid fields; see errors."
        else:
            detail = str(exc.detail)
        body = problem(
            status=exc.status_code,
            code=code,
            title=title,
            detail=detail,
            instance=instance,
            errors=errors,
        )
        auth_header = getattr(exc, "auth_header", None)
        if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
            headers["WWW-Authenticate"] = auth_header or 'Bearer realm="conveyor"'
        wait = getattr(exc, "wait", None)
        if wait:
            headers["Retry-After"] = str(int(wait))
    elif isinstance(exc, DatabaseError):
        return None
    else:
        return None
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _database_usable() -> bool:
    """False when the database connection is gone (an outage), True for a failed query."""
    from django.db import connection

    try:
        return connection.connection is not None and connection.is_usable()
    except Exception:
        return False


def _drf_code(exc: drf.APIException) -> tuple[str, str]:
    for kind, value in _DRF_CODES.items():
        if isinstance(exc, kind):
            return value
    return ("error", "Error")


def _too_large(instance: str) -> dict[str, Any]:
    from django.conf import settings

    return problem(
        status=413,
        code="body-too-large",
        title="Request body too large",
        detail=f"The request body exceeds {settings.CONVEYOR_MAX_BODY_BYTES} bytes; "
        "split the work into smaller requests.",
        instance=instance,
    )


def problem_response(
    body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> JsonResponse:
    """A plain Django response with a problem body, for code outside DRF views."""
    response = JsonResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def not_found_view(request: HttpRequest, exception: Exception) -> HttpResponse:
    return problem_response(
        problem(
            status=404,
            code="not-found",
            title="Not found",
            detail=f"No resource at {request.path}.",
            instance=request.path,
        )
    )


def server_error_view(request: HttpRequest) -> HttpResponse:
    return problem_response(
        problem(
            status=500,
            code="internal-error",
            title="Internal error",
            detail="The server failed; the error is in its logs.",
            instance=request.path,
        )
    )


def too_large_response(request: HttpRequest) -> HttpResponse:
    return problem_response(_too_large(request.path))
