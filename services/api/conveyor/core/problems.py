"""Every error the API returns has one shape: ``application/problem+json`` (RFC 9457).

``{"type", "title", "status", "detail", "instance", "errors": [{"field", "message", "code"}]}``

``PROBLEMS`` maps each error kind the API expects (conveyor's domain errors, DRF's,
Django's, a database outage) to its status and title; ``problem_exception_handler``
(DRF's ``EXCEPTION_HANDLER``) renders whatever it finds there. Any other exception is a
bug: the handler leaves it to Django, which logs it and answers 500
(``server_error_view``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from conveyor.core import database
from conveyor.core.errors import Conflict, ConveyorError, InvalidInput, LimitExceeded, NotFound

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://conveyor.dev/problems/"


@dataclass(frozen=True)
class Kind:
    """How one kind of error is answered."""

    #: The HTTP status; None for DRF's errors, which carry their own ``status_code``
    #: (DRF answers a NotAuthenticated with 403 when it has no WWW-Authenticate to offer).
    status: int | None
    title: str
    #: The end of the problem's ``type``; None: the error's own ``code`` (domain errors).
    code: str | None = None
    #: The same ``detail`` for every error of the kind; None: the error's own.
    detail: str | None = None


DATABASE_UNAVAILABLE = Kind(
    503,
    "Service unavailable",
    code="database-unavailable",
    detail="The database is unavailable; retry shortly.",
)
BODY_TOO_LARGE = Kind(413, "Request body too large", "body-too-large")

# An exception is answered by the entry of the nearest class in its MRO.
PROBLEMS: dict[type[Exception], Kind] = {
    # conveyor's domain errors (conveyor/core/errors.py): their own code, detail, errors.
    ConveyorError: Kind(400, "Bad request"),
    InvalidInput: Kind(400, "Invalid input"),
    NotFound: Kind(404, "Not found"),
    Conflict: Kind(409, "Conflict"),
    LimitExceeded: Kind(429, "Too many requests"),
    # Django's.
    Http404: Kind(404, "Not found", "not-found", "No such resource."),
    PermissionDenied: Kind(403, "Forbidden", "forbidden", "You may not do this."),
    RequestDataTooBig: BODY_TOO_LARGE,
    # A lost database connection; a query that fails on a working one is a bug (500).
    OperationalError: DATABASE_UNAVAILABLE,
    InterfaceError: DATABASE_UNAVAILABLE,
    # DRF's: the status is the exception's; the detail its own unless given here.
    drf.NotAuthenticated: Kind(None, "Authentication required", "unauthenticated"),
    drf.AuthenticationFailed: Kind(None, "Authentication failed", "unauthenticated"),
    drf.PermissionDenied: Kind(None, "Forbidden", "forbidden"),
    drf.NotFound: Kind(None, "Not found", "not-found"),
    drf.MethodNotAllowed: Kind(None, "Method not allowed", "method-not-allowed"),
    drf.NotAcceptable: Kind(None, "Not acceptable", "not-acceptable"),
    drf.UnsupportedMediaType: Kind(None, "Unsupported media type", "unsupported-media-type"),
    drf.ParseError: Kind(None, "Malformed request body", "malformed-body"),
    drf.ValidationError: Kind(
        None, "Invalid input", "invalid-input", "The request has invalid fields; see errors."
    ),
    drf.Throttled: Kind(None, "Too many requests", "too-many-requests"),
    drf.APIException: Kind(None, "Error", "error"),
}

# Seconds a client should wait before retrying while the database is unavailable.
DATABASE_RETRY_AFTER_SECONDS = 2


def problem_exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: the problem+json response for ``exc``, or None (a bug:
    Django logs it and answers 500)."""
    request = context.get("request")
    found = problem_for(exc, instance=request.path if request is not None else "")
    if found is None:
        return None
    body, headers = found
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_for(
    exc: Exception, *, instance: str = ""
) -> tuple[dict[str, Any], dict[str, str]] | None:
    """The problem body and headers that answer ``exc``; None for an unexpected error."""
    kind = kind_of(exc)
    return None if kind is None else _render(exc, kind, instance)


def kind_of(exc: Exception) -> Kind | None:
    """The entry of ``PROBLEMS`` that answers ``exc``; None for an unexpected error."""
    kind = next((PROBLEMS[c] for c in type(exc).__mro__ if c in PROBLEMS), None)
    if kind is DATABASE_UNAVAILABLE:
        if _database_usable():
            return None
        log.warning("database unavailable: %s", exc)
    return kind


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


def _render(exc: Exception, kind: Kind, instance: str) -> tuple[dict[str, Any], dict[str, str]]:
    body = problem(
        status=kind.status if kind.status is not None else int(getattr(exc, "status_code", 500)),
        code=kind.code if kind.code is not None else str(getattr(exc, "code", "error")),
        title=kind.title,
        detail=_detail(exc, kind),
        instance=instance,
        errors=_field_errors(exc),
    )
    return body, _headers(exc, kind)


def _detail(exc: Exception, kind: Kind) -> str:
    if kind is BODY_TOO_LARGE:
        return _too_large_detail()
    return kind.detail or str(getattr(exc, "detail", ""))


def _field_errors(exc: Exception) -> list[dict[str, str]]:
    if isinstance(exc, ConveyorError):
        return exc.errors
    if isinstance(exc, drf.ValidationError):
        return flatten_field_errors(exc.detail)
    return []


def _headers(exc: Exception, kind: Kind) -> dict[str, str]:
    headers: dict[str, str] = {}
    if kind is DATABASE_UNAVAILABLE:
        headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        headers["WWW-Authenticate"] = getattr(exc, "auth_header", None) or 'Bearer realm="conveyor"'
    if isinstance(exc, LimitExceeded):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    wait = getattr(exc, "wait", None) if isinstance(exc, drf.APIException) else None
    if wait is not None:
        # Whole seconds, rounded up: "0" would invite an immediate retry that fails again.
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return headers


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


def _database_usable() -> bool:
    """False when the database connection is gone (an outage), True for a failed query."""
    try:
        db = database.connection()
        return db.connection is not None and db.is_usable()
    except Exception:
        return False


def _too_large_detail() -> str:
    return (
        f"The request body exceeds {settings.CONVEYOR_MAX_BODY_BYTES} bytes; "
        "split the work into smaller requests."
    )


# ---- Responses outside DRF's views (URL resolution, middleware, server errors) --------


def problem_response(
    body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> JsonResponse:
    """A plain Django response with a problem body, for code outside DRF views."""
    response = JsonResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def not_found_view(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's handler404: a URL that matches no route."""
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
    """Django's handler500: the error itself is in the logs, never in the response."""
    return problem_response(server_error(request.path))


def server_error(instance: str) -> dict[str, Any]:
    """The body of a 500: the error is in the logs, not here."""
    return problem(
        status=500,
        code="internal-error",
        title="Internal error",
        detail="The server failed; the error is in its logs.",
        instance=instance,
    )


def too_large_response(request: HttpRequest) -> HttpResponse:
    """413 for a body refused before anything read it (core/middleware.py)."""
    return problem_response(*_render(RequestDataTooBig(), BODY_TOO_LARGE, request.path))
