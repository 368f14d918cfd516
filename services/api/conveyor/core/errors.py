"""The domain error type: raised by services, turned into problem+json by the API."""

from __future__ import annotations


class ConveyorError(Exception):
    """A request that cannot be carried out, with the HTTP status that says why."""

    status = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class NotFound(ConveyorError):
    status = 404
    code = "not-found"
    title = "Not found"


class Conflict(ConveyorError):
    status = 409
    code = "conflict"
    title = "Conflict"


class InvalidInput(ConveyorError):
    status = 400
    code = "invalid-input"
    title = "Invalid input"
