"""``manage.py rotate_webhook_secret NAME [--secret-only] [--overlap-seconds N]``: a new
webhook signing secret; the old one keeps signing beside it for the overlap."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from conveyor.clients.services import api_client_rotate_webhook_secret
from conveyor.core.errors import ConveyorError


class Command(BaseCommand):
    help = (
        "Give an API client a new webhook signing secret and print it. Webhooks sent from "
        "now on (retries included) are signed with it and, during the overlap, with the "
        "old one too (CONVEYOR_WEBHOOK_SECRET_OVERLAP_SECONDS, or --overlap-seconds)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--secret-only", action="store_true", help="print the secret alone")
        parser.add_argument(
            "--overlap-seconds",
            type=float,
            default=None,
            help="how long the old secret keeps signing too (0: it stops at once; default "
            "CONVEYOR_WEBHOOK_SECRET_OVERLAP_SECONDS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            seconds = options["overlap_seconds"]
            client = api_client_rotate_webhook_secret(
                name=options["name"],
                overlap=None if seconds is None else timedelta(seconds=seconds),
            )
        except ConveyorError as exc:
            raise CommandError(exc.detail) from exc
        if options["secret_only"]:
            self.stdout.write(client.webhook_secret)
            return
        until = client.previous_webhook_secret_until
        self.stdout.write(
            f"client: {client.name}\nwebhook secret: {client.webhook_secret}\n"
            + (
                f"the old secret also signs until {until.isoformat()}"
                if until is not None
                else "the old secret no longer signs"
            )
        )
