from typing import Literal

ScheduleJobWorkflowStartType = Literal["workflow.start"]

SCHEDULE_JOB_WORKFLOW_START_TYPE_VALUES: set[ScheduleJobWorkflowStartType] = {
    "workflow.start",
}


def check_schedule_job_workflow_start_type(value: str) -> ScheduleJobWorkflowStartType:
    if value in SCHEDULE_JOB_WORKFLOW_START_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SCHEDULE_JOB_WORKFLOW_START_TYPE_VALUES!r}"
    )
