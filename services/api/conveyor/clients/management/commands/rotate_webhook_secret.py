"""``manage.py rotate_webhook_secret NAME [--secret-only]``: a new webhook signing secret."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from conveyor.clients.services import api_client_rotate_webhook_secret
from conveyor.core.errors import ConveyorError


class Command(BaseCommand):
    help = (
        "Give an API client a new webhook signing secret and print it. Webhooks sent from "
        "now on (retries included) are signed with it; the old one stops working at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--secret-only", action="store_true", help="print the secret alone")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client = api_client_rotate_webhook_secret(name=options["name"])
        except ConveyorError as exc:
            raise CommandError(exc.detail) from exc
        if options["secret_only"]:
            self.stdout.write(client.webhook_secret)
            return
        self.stdout.write(f"client: {client.name}\nwebhook secret: {client.webhook_secret}")
