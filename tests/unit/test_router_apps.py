"""The router that keeps conveyor's tables in their own database alias (a Django project
running conveyor's tasks, docs/django.md) knows every conveyor app that has models: one
it does not know would have its tables created in the project's own database."""

from __future__ import annotations

from django.apps import apps

from conveyor.djangotasks.router import CONVEYOR_APP_LABELS


def test_every_conveyor_app_with_models_is_routed() -> None:
    with_models = {
        config.label
        for config in apps.get_app_configs()
        if config.name.startswith("conveyor.") and list(config.get_models())
    }
    assert with_models
    assert with_models - CONVEYOR_APP_LABELS == set()
