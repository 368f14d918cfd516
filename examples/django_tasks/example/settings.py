"""A small shop whose slow work runs on conveyor, through Django's Tasks framework.

Its own settings, plus what running its tasks on conveyor needs: conveyor's settings
components (the broker, leases, limits), conveyor's apps, and a router that keeps
conveyor's tables in their own database alias, ``conveyor`` (conveyor's PostgreSQL), so
the shop's database holds only the shop's tables. Every value comes from the environment.
"""

from __future__ import annotations

import os

import dj_database_url
import django

# conveyor's settings components, as conveyor's own settings use them (docs/django.md).
from conveyor.config.settings.components.celery import *  # noqa: F403
from conveyor.config.settings.components.conveyor import *  # noqa: F403
from conveyor.config.settings.components.limits import *  # noqa: F403
from conveyor.config.settings.components.logging import *  # noqa: F403
from conveyor.config.settings.components.ratelimits import *  # noqa: F403
from conveyor.config.settings.components.tracing import *  # noqa: F403
from conveyor.config.settings.components.webhooks import *  # noqa: F403

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "example.shop",
    # conveyor's apps: their tables live in the "conveyor" database (the router below)
    "conveyor.core",
    "conveyor.clients",
    "conveyor.jobs",
    "conveyor.queues",
    "django_celery_beat",
    "conveyor.schedules",
    "conveyor.ratelimits",
    "conveyor.webhooks",
    "conveyor.workflows",
]
if django.VERSION < (6, 0):
    INSTALLED_APPS.append("django_tasks")  # the backport of django.tasks

MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "example.urls"
WSGI_APPLICATION = "example.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(os.environ["DATABASE_URL"]),
    "conveyor": dj_database_url.parse(os.environ["CONVEYOR_DATABASE_URL"]),
}
DATABASE_ROUTERS = ["conveyor.djangotasks.router.ConveyorRouter"]
CONVEYOR_DATABASE = "conveyor"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

TASKS = {
    "default": {
        "BACKEND": "conveyor.djangotasks.backend.ConveyorBackend",
        # the API client that owns the shop's jobs (GET /v1/jobs with its key shows them)
        "OPTIONS": {"CLIENT": os.environ.get("SHOP_CONVEYOR_CLIENT", "shop")},
    }
}
if os.environ.get("SHOP_CONVEYOR_URL"):
    # the same jobs read over conveyor's REST API (for a project without its database)
    TASKS["rest"] = {
        "BACKEND": "conveyor.djangotasks.rest_backend.ConveyorRestBackend",
        "OPTIONS": {
            "URL": os.environ["SHOP_CONVEYOR_URL"],
            "API_KEY": os.environ["SHOP_CONVEYOR_API_KEY"],
        },
    }
