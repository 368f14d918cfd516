"""Every setting a component defines reaches Django's settings (base.py imports it)."""

from __future__ import annotations

import importlib

import pytest
from django.conf import settings

COMPONENTS = ["celery", "conveyor", "drf", "logging", "ratelimits", "security", "webhooks"]


@pytest.mark.parametrize("component", COMPONENTS)
def test_each_component_setting_is_imported_by_base(component: str) -> None:
    module = importlib.import_module(f"conveyor.config.settings.components.{component}")
    names = {name for name in vars(module) if name.isupper()}

    missing = sorted(name for name in names if not hasattr(settings, name))

    assert not missing, f"add {missing} to the import from components.{component} in base.py"
