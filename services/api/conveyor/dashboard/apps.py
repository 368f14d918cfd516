from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The operators' live web dashboard under ``/dashboard/`` (docs/dashboard.md)."""

    name = "conveyor.dashboard"
    label = "dashboard"
