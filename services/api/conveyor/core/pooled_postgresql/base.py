"""The backend: Django's own, except for the check its pool makes (``checks``).

Django builds the pool itself and passes it ``check`` (its empty query, or none), so a
check of one's own cannot go in ``OPTIONS["pool"]``: this wrapper builds the same pool
with ``checks.check_connection`` instead, when ``CONN_HEALTH_CHECKS`` is on.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool

from conveyor.core.pooled_postgresql.checks import check_connection


class DatabaseWrapper(base.DatabaseWrapper):
    # Django's, per alias, shared by every wrapper of the process (its class attribute).
    _connection_pools: ClassVar[dict[str, ConnectionPool[Any]]]

    @property
    def pool(self) -> ConnectionPool[Any] | None:  # type: ignore[override]
        options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not options:
            return None
        if self.alias not in self._connection_pools:
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                raise ImproperlyConfigured("Pooling doesn't support persistent connections.")
            connect_kwargs = self.get_connection_params()
            connect_kwargs["autocommit"] = True  # as Django's: it sets autocommit later
            pool = ConnectionPool(
                kwargs=connect_kwargs,
                open=False,  # opened on first use, as Django's
                configure=self._configure_connection,  # type: ignore[attr-defined]
                check=check_connection if self.settings_dict["CONN_HEALTH_CHECKS"] else None,
                **({} if options is True else options),
            )
            self._connection_pools.setdefault(self.alias, pool)
        pool_of_alias: ConnectionPool[Any] = self._connection_pools[self.alias]
        return pool_of_alias
