"""The Celery app as the worker and beat load it: ``celery -A conveyor_worker.app worker``."""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")
django.setup()

from conveyor.config.celery import app  # noqa: E402
from conveyor_worker import execute, periodic  # noqa: E402,F401  (they register the tasks)
from conveyor_worker.heartbeat import HeartbeatStep  # noqa: E402

# The liveness heartbeat runs in every worker's consumer (see heartbeat.py).
app.steps["consumer"].add(HeartbeatStep)

__all__ = ["app"]
