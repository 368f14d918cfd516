"""The built-in job types' specs. Importing this package declares them all."""

from conveyor.jobtypes import demo, http_request

__all__ = ["demo", "http_request"]
