"""A client's unfinished jobs, indexed: counted against its cap on each submission
(conveyor/jobs/quotas.py). Finished jobs, most rows, stay out of it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0008_advertised_task"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="job",
            index=models.Index(
                condition=models.Q(
                    ("state__in", ["cancelled", "failed", "succeeded"]), _negated=True
                ),
                fields=["client"],
                name="job_client_unfinished",
            ),
        ),
    ]
