"""The built-in job types' handlers. Importing this package registers them all."""

from conveyor_worker.handlers import demo, django_task, http_request, workflow

__all__ = ["demo", "django_task", "http_request", "workflow"]
