"""The Celery app shared by the API (to publish) and the worker (to consume).

It reads its configuration from Django's settings (the ``CELERY_`` names in
``config/settings/components/celery.py``); there is one settings module, so there is
nothing to fall back to. The names of its tasks are in ``config/tasks.py``.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")

app = Celery("conveyor")
app.config_from_object("django.conf:settings", namespace="CELERY")
