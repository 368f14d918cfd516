"""Before any process starts: migrate, collect the static files, create the embedded
broker's queues, and make sure a demo API key and an admin user exist (both kept in the
data dir and reused while they still work against the database)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import urllib.parse
from pathlib import Path
from typing import TextIO

from conveyor.clients.scopes import ALL_SCOPES
from conveyor.devserver.datadir import Credentials, DataDir, read_private, write_private
from conveyor.devserver.summary import say

DEMO_CLIENT_NAME = "local-demo"
ADMIN_USERNAME = "admin"
# The queues the local worker consumes (the job types' and conveyor's own).
WORKER_QUEUES = ("default", "conveyor")


def redact(url: str) -> str:
    """A URL without its password, for printing."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def prepare(data: DataDir, out: TextIO) -> Credentials:
    """Migrate, collect static files, make sure the demo key and admin user exist."""
    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    database = settings.DATABASES["default"]
    if os.environ.get("DATABASE_URL"):
        say(out, f"database: {redact(os.environ['DATABASE_URL'])} (from DATABASE_URL)")
    else:
        say(out, f"database: SQLite, {data.show(Path(str(database['NAME'])))}")
    if os.environ.get("BROKER_URL"):
        say(out, f"broker:   {redact(os.environ['BROKER_URL'])} (from BROKER_URL)")
    else:
        say(out, f"broker:   SQLite, {data.show(data.broker)}")

    say(out, "migrating the database and collecting static files")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if not os.environ.get("BROKER_URL"):
        _declare_queues()
    api_key = _demo_api_key(data)
    username, password, created = _admin_user(data)
    connections.close_all()
    return Credentials(
        api_key=api_key, admin_username=username, admin_password=password, admin_created=created
    )


def _declare_queues() -> None:
    """Create the embedded broker's queues before the processes start. kombu's SQL
    transport creates a queue's row on first use with a check-then-insert guarded only
    within one process: the API, the worker and beat starting together could both insert
    it, and the loser died on the unique constraint (``kombu_queue.name``)."""
    from conveyor.config.celery import app

    with app.connection_for_write() as conn:
        for name in WORKER_QUEUES:
            app.amqp.queues[name](conn.default_channel).declare()


def _demo_api_key(data: DataDir) -> str:
    """The saved demo key if it still authenticates here, else a new client's key."""
    from conveyor.clients.keys import digest_matches, parse_prefix
    from conveyor.clients.models import ApiClient
    from conveyor.clients.services import api_client_create

    saved = read_private(data.api_key)
    if saved is not None:
        prefix = parse_prefix(saved)
        client = ApiClient.objects.filter(key_prefix=prefix, is_active=True).first()
        if (
            client is not None
            and digest_matches(saved, client.key_digest)
            and all(client.has_scope(s) for s in ALL_SCOPES)
        ):
            return saved
    # A client name exists once; a database that has the name but not our key gets another.
    name = DEMO_CLIENT_NAME
    while ApiClient.objects.filter(name=name).exists():
        name = f"{DEMO_CLIENT_NAME}-{secrets.token_hex(3)}"
    # The local operator's key: every scope, queues and workers included.
    _, key = api_client_create(name=name, scopes=ALL_SCOPES)
    write_private(data.api_key, key)
    return key


def _admin_user(data: DataDir) -> tuple[str, str, bool]:
    """The saved superuser if its password still works here, else a new one."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    saved = read_private(data.admin)
    if saved is not None:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            kept = json.loads(saved)
            username, password = str(kept["username"]), str(kept["password"])
            user = user_model.objects.filter(username=username).first()
            if (
                user is not None
                and user.is_active
                and user.is_superuser
                and user.check_password(password)
            ):
                return username, password, False
    # Never take over an existing account: pick a free name.
    username = ADMIN_USERNAME
    while user_model.objects.filter(username=username).exists():
        username = f"{ADMIN_USERNAME}-{secrets.token_hex(3)}"
    password = secrets.token_urlsafe(12)
    user_model.objects.create_superuser(username=username, email="", password=password)
    write_private(data.admin, json.dumps({"username": username, "password": password}))
    return username, password, True
