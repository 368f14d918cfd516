"""The built-in job types. Importing this package declares them all."""

from conveyor_worker.handlers import demo, http_request

__all__ = ["demo", "http_request"]
