"""The webhooks' hook on a job's end (``CONVEYOR_FINAL_HOOKS``, ``jobs/hooks.py``)."""

from __future__ import annotations

from conveyor.jobs.models import Job
from conveyor.webhooks.services import delivery_on_final


class WebhookOnFinal:
    """Stores the delivery of a job with a ``webhook_url`` and sends it once committed."""

    def wants(self, job: Job) -> bool:
        return bool(job.webhook_url)

    def after_final(self, job: Job) -> None:
        delivery_on_final(job_id=job.pk)

    def after_retry(self, job: Job) -> None:
        """Nothing: the job's next end is delivered as its first was."""
