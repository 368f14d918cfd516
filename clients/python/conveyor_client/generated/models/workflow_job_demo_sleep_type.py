from typing import Literal

WorkflowJobDemoSleepType = Literal["demo.sleep"]

WORKFLOW_JOB_DEMO_SLEEP_TYPE_VALUES: set[WorkflowJobDemoSleepType] = {
    "demo.sleep",
}


def check_workflow_job_demo_sleep_type(value: str) -> WorkflowJobDemoSleepType:
    if value in WORKFLOW_JOB_DEMO_SLEEP_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {WORKFLOW_JOB_DEMO_SLEEP_TYPE_VALUES!r}"
    )
