"""The Django admin, its ``admin.py`` modules imported with the URLconf, not at start.

The admin modules import the services and serializers behind their forms and actions,
and with them the whole HTTP side (DRF, drf-spectacular): the worker and beat, which
serve no HTTP, must not load them. Django's ``SimpleAdminConfig`` leaves them alone;
``config/urls.py`` imports them (``admin.autodiscover()``) before it routes to the admin.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.apps import AppConfig
from django.contrib import admin
from django.contrib.admin.apps import SimpleAdminConfig
from django.contrib.admin.checks import check_admin_app, check_dependencies
from django.core import checks


def check_admin_modules(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: object
) -> list[checks.CheckMessage]:
    """Django's checks of every ModelAdmin, after importing the admin modules: the checks
    may run before anything loaded the URLconf (``conveyor check --tag admin``)."""
    admin.autodiscover()
    return check_admin_app(app_configs, **kwargs)


class ConveyorAdminSite(admin.AdminSite):
    """The admin, named for conveyor rather than Django."""

    site_header = "conveyor administration"
    site_title = "conveyor admin"
    index_title = "Clients, jobs, schedules and rate limits"


class AdminConfig(SimpleAdminConfig):
    default_site = "conveyor.core.adminapp.ConveyorAdminSite"

    def ready(self) -> None:
        # SimpleAdminConfig.ready(), with the admin modules imported before their checks.
        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(check_admin_modules, checks.Tags.admin)
