"""The API's errors as exceptions: one class per status, each carrying the problem+json
fields (RFC 9457) the API answered with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


class ConveyorError(Exception):
    """Anything this client raises on purpose."""


class WaitTimeout(ConveyorError):
    """The job was not final within the time given to ``wait``."""

    def __init__(self, job_id: str, state: str, timeout: float) -> None:
        super().__init__(f"job {job_id} is still {state} after {timeout:g} s")
        self.job_id = job_id
        self.state = state


@dataclass(frozen=True)
class FieldError:
    """One invalid field: its dotted path, a message and a machine-readable code."""

    field: str
    message: str
    code: str


@dataclass
class ApiError(ConveyorError):
    """An error answer of the API, with its problem+json fields."""

    status: int
    type: str
    title: str
    detail: str
    instance: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    retry_after: float | None = None

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        fields = "; ".join(f"{e.field}: {e.message}" for e in self.errors)
        return f"{self.status} {self.title}: {self.detail}" + (f" ({fields})" if fields else "")


class InvalidInput(ApiError):
    """400: ``errors`` names each invalid field."""


class Unauthorized(ApiError):
    """401: no API key, or one that is invalid or revoked."""


class Forbidden(ApiError):
    """403: the key lacks the scope the operation needs."""


class NotFound(ApiError):
    """404: no such resource for this client."""


class Conflict(ApiError):
    """409: the resource is not in a state that allows it."""


class PayloadTooLarge(ApiError):
    """413: the body is larger than the API takes."""


class RateLimited(ApiError):
    """429: too many requests; ``retry_after`` says when to try again."""


class Unavailable(ApiError):
    """503: the API cannot serve now; ``retry_after`` says when to try again."""


BY_STATUS: dict[int, type[ApiError]] = {
    400: InvalidInput,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    429: RateLimited,
    503: Unavailable,
}


def retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds, when it is given as seconds (an HTTP date is ignored)."""
    value = response.headers.get("Retry-After", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0)


def error_for(response: httpx.Response) -> ApiError:
    """The exception for an error answer, from its problem+json body (or what there is)."""
    try:
        body: Any = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    errors = [
        FieldError(str(e.get("field", "")), str(e.get("message", "")), str(e.get("code", "")))
        for e in body.get("errors") or []
        if isinstance(e, dict)
    ]
    cls = BY_STATUS.get(response.status_code, ApiError)
    return cls(
        status=response.status_code,
        type=str(body.get("type", "about:blank")),
        title=str(body.get("title", response.reason_phrase)),
        detail=str(body.get("detail", response.text[:500])),
        instance=body.get("instance"),
        errors=errors,
        retry_after=retry_after(response),
    )
