"""``conveyor create_api_client NAME [--scopes jobs:read,jobs:write]`` (or ``--name NAME``):
prints the key once, and the client's webhook signing secret."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from conveyor.clients.scopes import ALL_SCOPES, DEFAULT_SCOPES
from conveyor.clients.services import api_client_create
from conveyor.core.errors import ConveyorError


class Command(BaseCommand):
    help = "Create an API client and print its key (shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="the client's name (or --name)")
        parser.add_argument("--name", dest="name_option", metavar="NAME", help="the same")
        parser.add_argument(
            "--scopes",
            default=",".join(DEFAULT_SCOPES),
            help=f"comma-separated scopes, of {','.join(ALL_SCOPES)} "
            f"(default: {','.join(DEFAULT_SCOPES)})",
        )
        parser.add_argument("--key-only", action="store_true", help="print the key alone")

    def handle(self, *args: Any, **options: Any) -> None:
        name = client_name(options["name"], options["name_option"])
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        try:
            client, key = api_client_create(name=name, scopes=scopes)
        except ConveyorError as exc:
            raise CommandError(exc.detail) from exc
        if options["key_only"]:
            self.stdout.write(key)
            return
        self.stdout.write(
            f"client: {client.name}\nscopes: {','.join(client.scopes)}\n"
            f"key:    {key}\n(store it now: it is not shown again)\n"
            f"webhook secret: {client.webhook_secret}\n"
            "(verifies the signature of this client's webhooks, docs/webhooks.md; "
            "rotate_webhook_secret makes a new one)"
        )


def client_name(positional: str | None, option: str | None) -> str:
    if positional and option and positional != option:
        raise CommandError(f"two names, {positional!r} and {option!r}: give one")
    name = positional or option
    if not name:
        raise CommandError("give the client's name: create_api_client NAME (or --name NAME)")
    return name
