"""Every setting a component defines reaches Django's settings (base.py imports it), and the
Celery component routes and schedules conveyor's own tasks by their one set of names."""

from __future__ import annotations

import importlib

import pytest
from django.conf import settings

from conveyor.config import tasks
from conveyor.config.broker_url import broker_scheme

COMPONENTS = [
    "celery",
    "conveyor",
    "drf",
    "logging",
    "ratelimits",
    "security",
    "tracing",
    "webhooks",
]


@pytest.mark.parametrize("component", COMPONENTS)
def test_each_component_setting_is_imported_by_base(component: str) -> None:
    module = importlib.import_module(f"conveyor.config.settings.components.{component}")
    names = {name for name in vars(module) if name.isupper()}

    missing = sorted(name for name in names if not hasattr(settings, name))

    assert not missing, f"add {missing} to the import from components.{component} in base.py"


def test_conveyors_own_tasks_go_to_the_system_queue() -> None:
    routed = {name: route["queue"] for name, route in settings.CELERY_TASK_ROUTES.items()}
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert routed == {name: settings.CONVEYOR_SYSTEM_QUEUE for name in tasks.SYSTEM_TASKS}
    assert scheduled == {tasks.DISPATCH_TASK, tasks.RECONCILE_TASK, tasks.RETENTION_TASK}


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("redis://127.0.0.1:6379/0", "redis"),
        ("rediss://:secret@cache:6380/1", "rediss"),
        ("amqp://guest:guest@127.0.0.1:5672/", "amqp"),
        ("sqla+sqlite:///var/broker.sqlite3", "sqla"),
    ],
)
def test_the_broker_scheme_is_the_transport_without_its_driver(url: str, scheme: str) -> None:
    assert broker_scheme(url) == scheme
