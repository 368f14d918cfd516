"""Drop the foreign keys' own indexes: a composite index starting with the same column
(job_client_created, attempt_job_started) already serves them, and every extra index is
written on each job's insert and state change.

Only the indexes are dropped (Django's AlterField would also drop and re-add, and so
re-validate, each foreign key constraint).
"""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = [
    ("jobs_job", "client_id", "jobs_job_client_id_8aaadee3"),
    ("jobs_jobattempt", "job_id", "jobs_jobattempt_job_id_05797094"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0002_webhook_secret"),
        ("jobs", "0005_retention_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="job",
                    name="client",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="jobs",
                        to="clients.apiclient",
                    ),
                ),
                migrations.AlterField(
                    model_name="jobattempt",
                    name="job",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attempt_records",
                        to="jobs.job",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for table, column, index in DROPPED
            ],
        ),
    ]
