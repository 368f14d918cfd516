"""clients 0002: clients that existed before webhooks each get their own signing secret."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from conveyor.clients.models import ApiClient

BEFORE = [("clients", "0001_initial")]


def test_each_existing_client_gets_a_distinct_secret(transactional_db: None) -> None:
    # given: three clients made before the migration
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("clients", "ApiClient")
    for n in range(3):
        old.objects.create(name=f"old-{n}", key_prefix=f"prefix{n}", key_digest="x", scopes=[])

    # when
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    # then
    secrets = list(ApiClient.objects.values_list("webhook_secret", flat=True))
    assert len(secrets) == 3
    assert len(set(secrets)) == 3
    assert all(s.startswith("whsec_") and len(s) > 40 for s in secrets)
