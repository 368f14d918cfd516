"""The Celery app as the worker and beat load it: ``celery -A conveyor_worker.app worker``."""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")
django.setup()

from conveyor.config.celery import app  # noqa: E402
from conveyor_worker import execute, periodic  # noqa: E402,F401  (they register the tasks)

__all__ = ["app"]
