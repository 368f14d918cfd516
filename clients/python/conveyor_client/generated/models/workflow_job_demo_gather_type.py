from typing import Literal

WorkflowJobDemoGatherType = Literal["demo.gather"]

WORKFLOW_JOB_DEMO_GATHER_TYPE_VALUES: set[WorkflowJobDemoGatherType] = {
    "demo.gather",
}


def check_workflow_job_demo_gather_type(value: str) -> WorkflowJobDemoGatherType:
    if value in WORKFLOW_JOB_DEMO_GATHER_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {WORKFLOW_JOB_DEMO_GATHER_TYPE_VALUES!r}"
    )
