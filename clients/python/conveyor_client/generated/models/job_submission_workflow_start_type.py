from typing import Literal

JobSubmissionWorkflowStartType = Literal["workflow.start"]

JOB_SUBMISSION_WORKFLOW_START_TYPE_VALUES: set[JobSubmissionWorkflowStartType] = {
    "workflow.start",
}


def check_job_submission_workflow_start_type(value: str) -> JobSubmissionWorkflowStartType:
    if value in JOB_SUBMISSION_WORKFLOW_START_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOB_SUBMISSION_WORKFLOW_START_TYPE_VALUES!r}"
    )
