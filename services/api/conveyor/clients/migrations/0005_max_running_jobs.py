"""A cap on each client's running jobs (conveyor_worker/admission.py); empty: the platform's."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0004_fair_share"),
    ]

    operations = [
        migrations.AddField(
            model_name="apiclient",
            name="max_running_jobs",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="0: no limit. Empty: CONVEYOR_MAX_RUNNING_JOBS_PER_CLIENT.",
                null=True,
            ),
        ),
    ]
