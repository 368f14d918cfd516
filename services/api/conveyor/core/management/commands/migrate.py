"""``conveyor migrate [--wait-for-database SECONDS]``: Django's migrate, able to wait for
its database first.

A migrations Job may start before its database answers: the chart's own PostgreSQL is
created in the same install, an external one may be failing over. Instead of failing at
once (and leaving the Job's back-off to guess), ``--wait-for-database`` retries the
connection until the deadline, saying what it waits for, then migrates; past the
deadline it fails with the last connection error.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import OperationalError

#: Seconds between two connection attempts while waiting for the database.
RETRY_INTERVAL_SECONDS = 2.0


class Command(migrate.Command):
    help = migrate.Command.help + " With --wait-for-database, wait for the database first."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--wait-for-database",
            type=float,
            default=0,
            metavar="SECONDS",
            help="retry connecting to the database for up to this long before migrating "
            "(default 0: fail at once when it does not answer)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["wait_for_database"] > 0:
            self.wait_for_database(
                options.get("database") or DEFAULT_DB_ALIAS, options["wait_for_database"]
            )
        super().handle(*args, **options)
        # The throttles' counters live in a database table when no Redis is configured
        # (CACHES, config/settings/components/limits.py); nothing happens otherwise.
        call_command(
            "createcachetable",
            database=options.get("database") or DEFAULT_DB_ALIAS,
            verbosity=options.get("verbosity", 1),
        )

    def wait_for_database(self, alias: str, seconds: float) -> None:
        connection = connections[alias]
        where = describe(connection.settings_dict)
        deadline = time.monotonic() + seconds
        waited = False
        while True:
            try:
                connection.ensure_connection()
            except OperationalError as exc:
                connection.close()
                problem = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
                if time.monotonic() >= deadline:
                    raise CommandError(
                        f"the database {where} did not answer within {seconds:g}s "
                        f"(--wait-for-database): {problem}"
                    ) from exc
                if not waited:
                    self.stderr.write(f"waiting up to {seconds:g}s for the database {where}")
                    waited = True
                self.stderr.write(f"  not yet: {problem}")
                time.sleep(min(RETRY_INTERVAL_SECONDS, max(0.0, deadline - time.monotonic())))
                continue
            if waited:
                self.stderr.write(f"the database {where} answers")
            return


def describe(settings: dict[str, Any]) -> str:
    """``name at host:port``, without credentials."""
    host = settings.get("HOST") or "localhost"
    port = settings.get("PORT")
    return f"{settings.get('NAME')} at {host}{f':{port}' if port else ''}"
