"""conveyor's settings with Django's Tasks framework on conveyor (the worker's, in the
backend's tests): the backport's app and a TASKS backend that makes conveyor jobs."""

from __future__ import annotations

from conveyor.config.settings.base import *  # noqa: F403
from conveyor.config.settings.base import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks"]

#: The queues the tests' tasks use; conveyor knows them (CONVEYOR_EXTRA_QUEUES).
TASK_QUEUES = ["default", "low", "parked"]
#: The API client that owns the tests' jobs.
TASK_CLIENT = "django-tests"

#: The tests' tasks module: the worker advertises its tasks at start (not an app's `tasks`).
CONVEYOR_TASK_MODULES = ["tests.djangotasks.tasks"]

TASKS = {
    "default": {
        "BACKEND": "conveyor.djangotasks.backend.ConveyorBackend",
        "QUEUES": TASK_QUEUES,
        "OPTIONS": {"CLIENT": TASK_CLIENT},
    }
}
