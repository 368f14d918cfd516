from typing import Literal

WorkflowJobWorkflowStartType = Literal["workflow.start"]

WORKFLOW_JOB_WORKFLOW_START_TYPE_VALUES: set[WorkflowJobWorkflowStartType] = {
    "workflow.start",
}


def check_workflow_job_workflow_start_type(value: str) -> WorkflowJobWorkflowStartType:
    if value in WORKFLOW_JOB_WORKFLOW_START_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {WORKFLOW_JOB_WORKFLOW_START_TYPE_VALUES!r}"
    )
