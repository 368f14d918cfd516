"""The shop's Celery app, as Celery's Django guide writes it (no conveyor in it).

The shop had Celery before it moved to Django's Tasks framework; its ``@shared_task``s
keep running on conveyor's worker pools while they move (docs/django.md). Its settings
give this app conveyor's broker (the ``CELERY_`` settings).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")

app = Celery("example")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
