"""The database alias that holds conveyor's tables: ``CONVEYOR_DATABASE``.

``default`` in conveyor's own deployment. A Django project that runs conveyor's apps in
its processes (its tasks on conveyor, docs/django.md) keeps conveyor's tables in an
alias of their own, with a router (``conveyor.djangotasks.router``); conveyor's
transactions, raw statements and commit hooks then go to that alias, never to the
project's ``default``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper


def alias() -> str:
    """The alias of conveyor's database."""
    return str(settings.CONVEYOR_DATABASE)


def connection() -> BaseDatabaseWrapper:
    """This thread's connection to conveyor's database."""
    return connections[alias()]
