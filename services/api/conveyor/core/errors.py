"""The domain error: raised by services and selectors when a request cannot be carried out.

It knows no HTTP. Each kind names what went wrong with a machine ``code``; the API
turns a kind into a status and a problem+json body (``conveyor/core/problems.py``), the
admin and the management commands show its ``detail`` and ``errors``.
"""

from __future__ import annotations


class ConveyorError(Exception):
    """A request that cannot be carried out, and why."""

    #: A short machine-readable name of what went wrong (the end of a problem's ``type``).
    code = "bad-request"

    def __init__(self, detail: str, *, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        #: One sentence for a person: what is wrong and, where it helps, what to do.
        self.detail = detail
        #: Field errors, each ``{"field", "message", "code"}``; empty when none applies.
        self.errors = errors or []


class NotFound(ConveyorError):
    """The thing asked for does not exist, or the caller may not see it."""

    code = "not-found"


class Conflict(ConveyorError):
    """The request contradicts the current state (cancel a finished job, reuse a key)."""

    code = "conflict"


class InvalidInput(ConveyorError):
    """The request's values are wrong (parameters against a job type's schema, ...)."""

    code = "invalid-input"


class LimitExceeded(ConveyorError):
    """The client has used up its fair share (too many unfinished jobs, schedules, ...)."""

    code = "limit-exceeded"

    def __init__(
        self,
        detail: str,
        *,
        retry_after_seconds: int,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(detail, errors=errors)
        #: When asking again may succeed, in seconds (the ``Retry-After`` header).
        self.retry_after_seconds = retry_after_seconds
