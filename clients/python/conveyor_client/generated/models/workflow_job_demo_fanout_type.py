from typing import Literal

WorkflowJobDemoFanoutType = Literal["demo.fanout"]

WORKFLOW_JOB_DEMO_FANOUT_TYPE_VALUES: set[WorkflowJobDemoFanoutType] = {
    "demo.fanout",
}


def check_workflow_job_demo_fanout_type(value: str) -> WorkflowJobDemoFanoutType:
    if value in WORKFLOW_JOB_DEMO_FANOUT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {WORKFLOW_JOB_DEMO_FANOUT_TYPE_VALUES!r}"
    )
