"""``ConveyorRouter``: conveyor's tables in conveyor's database alias, apart from a Django
project's own (``DATABASE_ROUTERS``, with ``CONVEYOR_DATABASE`` naming the alias).

Reads and writes of conveyor's models go to that alias; its migrations run only there,
and no other app's run there, so ``migrate --database <alias>`` touches conveyor's
tables only and the project's ``migrate`` leaves them alone (docs/django.md).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from conveyor.core import database

#: The app labels whose tables are conveyor's (django_celery_beat's hold its schedules).
CONVEYOR_APP_LABELS = frozenset(
    {
        "core",
        "clients",
        "jobs",
        "queues",
        "schedules",
        "ratelimits",
        "webhooks",
        "workflows",
        "django_celery_beat",
    }
)


def _is_conveyors(model: type[Model] | Model) -> bool:
    return model._meta.app_label in CONVEYOR_APP_LABELS


class ConveyorRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return database.alias() if _is_conveyors(model) else None

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return database.alias() if _is_conveyors(model) else None

    def allow_relation(self, first: Model, second: Model, **hints: Any) -> bool | None:
        if _is_conveyors(first) or _is_conveyors(second):
            return _is_conveyors(first) and _is_conveyors(second)
        return None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        if app_label in CONVEYOR_APP_LABELS:
            return db == database.alias()
        if db == database.alias():
            return False
        return None
