"""The Celery app shared by the API (to publish) and the worker (to consume).

It reads its configuration from Django's settings (the ``CELERY_`` names in
``config/settings/components/celery.py``); there is one settings module, so there is
nothing to fall back to. The names of its tasks are in ``config/tasks.py``.
"""

from __future__ import annotations

import importlib.util
import os

from celery import Celery
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")

app = Celery("conveyor")
app.config_from_object("django.conf:settings", namespace="CELERY")

# The embedded default's transport (kombu's SQL one) is the `embedded` extra, which `make
# run` installs and the image does not: say so here, where the worker, beat and the API's
# publisher first need the broker, rather than in an ImportError from inside kombu.
if (
    settings.CELERY_BROKER_URL.startswith("sqla+")
    and importlib.util.find_spec("sqlalchemy") is None
):
    raise ImproperlyConfigured(
        "the embedded broker (BROKER_URL unset or sqla+...) needs SQLAlchemy: "
        "pip install 'conveyor[embedded]', or set BROKER_URL to a Redis or RabbitMQ URL"
    )
