"""Every API client gets a webhook signing secret; existing clients each get their own."""

from typing import Any

from django.db import migrations, models

import conveyor.clients.keys


def give_each_client_a_secret(apps: Any, schema_editor: Any) -> None:
    ApiClient = apps.get_model("clients", "ApiClient")
    for client in ApiClient.objects.filter(webhook_secret="").only("pk"):
        client.webhook_secret = conveyor.clients.keys.generate_webhook_secret()
        client.save(update_fields=["webhook_secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0001_initial"),
    ]

    operations = [
        # Added empty first: a callable default would give every existing row one value.
        migrations.AddField(
            model_name="apiclient",
            name="webhook_secret",
            field=models.CharField(default="", max_length=100),
            preserve_default=False,
        ),
        migrations.RunPython(give_each_client_a_secret, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apiclient",
            name="webhook_secret",
            field=models.CharField(
                default=conveyor.clients.keys.generate_webhook_secret, max_length=100
            ),
        ),
    ]
