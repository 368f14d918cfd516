"""The workflows' hook on a job's end and retry (``CONVEYOR_FINAL_HOOKS``, ``jobs/hooks.py``)."""

from __future__ import annotations

from conveyor.jobs.models import Job
from conveyor.workflows.release import reopen_after_retry, settle_after_final


class WorkflowOnFinal:
    """Releases, cancels or fails what waits for a workflow's job that ended, and settles
    the workflow, in the transaction that ended the job (``release.py``)."""

    def wants(self, job: Job) -> bool:
        return job.workflow_id is not None

    def after_final(self, job: Job) -> None:
        settle_after_final(job)

    def after_retry(self, job: Job) -> None:
        reopen_after_retry(job)
