"""Each client's own limits (conveyor/clients/limits.py); empty: the platform's."""

import django.core.validators
from django.db import migrations, models

import conveyor.clients.rates


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_webhook_secret_rotation"),
    ]

    operations = [
        migrations.AddField(
            model_name="apiclient",
            name="max_schedules",
            field=models.PositiveIntegerField(
                blank=True, help_text="0: no limit. Empty: CONVEYOR_MAX_SCHEDULES.", null=True
            ),
        ),
        migrations.AddField(
            model_name="apiclient",
            name="max_unfinished_jobs",
            field=models.PositiveIntegerField(
                blank=True, help_text="0: no limit. Empty: CONVEYOR_MAX_UNFINISHED_JOBS.", null=True
            ),
        ),
        migrations.AddField(
            model_name="apiclient",
            name="min_schedule_interval_seconds",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Empty: CONVEYOR_MIN_SCHEDULE_INTERVAL_SECONDS.",
                null=True,
                validators=[django.core.validators.MinValueValidator(1)],
            ),
        ),
        migrations.AddField(
            model_name="apiclient",
            name="run_at_horizon_days",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Empty: CONVEYOR_RUN_AT_HORIZON_DAYS.",
                null=True,
                validators=[django.core.validators.MinValueValidator(1)],
            ),
        ),
        migrations.AddField(
            model_name="apiclient",
            name="throttle_rate",
            field=models.CharField(
                blank=True,
                help_text="Requests per period, e.g. 50/s or 1000/m. Empty: CONVEYOR_THROTTLE_RATE.",
                max_length=32,
                validators=[conveyor.clients.rates.validate_rate],
            ),
        ),
    ]
