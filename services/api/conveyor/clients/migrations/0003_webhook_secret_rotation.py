"""A rotated webhook secret keeps signing beside the new one until its overlap ends."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0002_webhook_secret"),
    ]

    operations = [
        migrations.AddField(
            model_name="apiclient",
            name="previous_webhook_secret",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
        migrations.AddField(
            model_name="apiclient",
            name="previous_webhook_secret_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
