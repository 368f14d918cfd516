"""The built-in job types' handlers. Importing this package registers them all."""

from conveyor_worker.handlers import demo, http_request

__all__ = ["demo", "http_request"]
