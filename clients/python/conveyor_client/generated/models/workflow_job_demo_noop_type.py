from typing import Literal

WorkflowJobDemoNoopType = Literal["demo.noop"]

WORKFLOW_JOB_DEMO_NOOP_TYPE_VALUES: set[WorkflowJobDemoNoopType] = {
    "demo.noop",
}


def check_workflow_job_demo_noop_type(value: str) -> WorkflowJobDemoNoopType:
    if value in WORKFLOW_JOB_DEMO_NOOP_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {WORKFLOW_JOB_DEMO_NOOP_TYPE_VALUES!r}"
    )
