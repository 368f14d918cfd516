"""The built-in job types' specs. Importing this package declares them all."""

from conveyor.jobtypes import demo, django_task, http_request, workflow

__all__ = ["demo", "django_task", "http_request", "workflow"]
