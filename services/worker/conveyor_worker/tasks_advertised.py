"""At start, a worker with a Django project's settings advertises the project's tasks
(``conveyor/djangotasks/advertising.py``): from then on ``GET /v1/job-types`` lists them
and ``django.task`` jobs naming them are taken (docs/django.md#advertised-tasks)."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.utils import timezone

log = logging.getLogger(__name__)


def advertise_project_tasks(worker: str) -> int:
    """Advertise the tasks this worker finds; how many (0 without the Tasks framework)."""
    try:
        from conveyor.djangotasks.advertising import advertise, discovered_tasks, task_modules
    except ImportError:  # neither django.tasks (Django 6) nor the django-tasks backport
        return 0
    tasks = discovered_tasks(task_modules())
    if not tasks:
        return 0
    try:
        count = advertise(tasks, worker=worker, now=timezone.now())
    except DatabaseError:
        # the worker still runs the tasks it finds: jobs already taken keep running
        log.exception("could not advertise this worker's Django tasks; restart it to retry")
        return 0
    log.info("advertised %d Django tasks: %s", count, ", ".join(t.module_path for t in tasks))
    return count
