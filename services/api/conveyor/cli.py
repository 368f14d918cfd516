"""``conveyor <command>``: Django's management commands (migrate, create_api_client, …)."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
