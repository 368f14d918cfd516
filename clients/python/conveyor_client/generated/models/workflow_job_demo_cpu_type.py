from typing import Literal

WorkflowJobDemoCpuType = Literal["demo.cpu"]

WORKFLOW_JOB_DEMO_CPU_TYPE_VALUES: set[WorkflowJobDemoCpuType] = {
    "demo.cpu",
}


def check_workflow_job_demo_cpu_type(value: str) -> WorkflowJobDemoCpuType:
    if value in WORKFLOW_JOB_DEMO_CPU_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {WORKFLOW_JOB_DEMO_CPU_TYPE_VALUES!r}"
    )
