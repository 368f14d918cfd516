"""``conveyor <command>``: Django's management commands (migrate, create_api_client, …).

The settings come from the environment (docs/configuration.md). When it does not set
SECRET_KEY, the one setting without a default, and a ``make run`` data dir is here
(``./var``, or ``CONVEYOR_DATA_DIR``), the commands use what that data dir keeps: its
secret key, and the database and broker ``make run`` used. Otherwise a command that needs
the settings stops with one line saying what to set; ``conveyor help`` still lists every
command.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib.metadata import version

# Asking for help, or the version, reads no secret.
HELP_COMMANDS = frozenset({"help", "--help", "-h", "version", "--version"})
HELP_OPTIONS = frozenset({"--help", "-h"})
HELP_ONLY_SECRET_KEY = "conveyor-help-only"  # noqa: S105 - never signs anything: no command runs


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        # Django would print its own version: this command is conveyor's.
        print(version("conveyor"))
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")
    if not os.environ.get("SECRET_KEY"):
        problem = use_data_dir()
        if problem is not None:
            if not asks_for_help(sys.argv[1:]):
                sys.exit(f"conveyor: {problem}")
            os.environ["SECRET_KEY"] = HELP_ONLY_SECRET_KEY
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings, to report what is wrong
    except ImproperlyConfigured as exc:
        sys.exit(f"conveyor: {exc}")
    execute_from_command_line(sys.argv)


def use_data_dir() -> str | None:
    """Point the settings at the ``make run`` data dir here; what is missing, if none is."""
    from conveyor.config.env import data_dir
    from conveyor.devserver.datadir import DataDir, settings_environment

    data = DataDir(data_dir())
    found = settings_environment(data)
    if found is None:
        return (
            f"SECRET_KEY is not set, and {data.root} is not a `make run` data dir (no "
            "secret_key); set SECRET_KEY (and DATABASE_URL, BROKER_URL: docs/configuration.md)"
            ", or run this next to the data dir of `make run` (or set CONVEYOR_DATA_DIR to it)"
        )
    for name, value in found.items():
        if not os.environ.get(name):
            os.environ[name] = value
    print(
        f"conveyor: SECRET_KEY is not set; using the `make run` data dir {data.show(data.root)} "
        "(its secret key, database and broker)",
        file=sys.stderr,
    )
    return None


def asks_for_help(args: Sequence[str]) -> bool:
    return not args or args[0] in HELP_COMMANDS or any(a in HELP_OPTIONS for a in args[1:])
