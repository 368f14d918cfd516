from typing import Literal

JobSubmissionDemoCpuType = Literal["demo.cpu"]

JOB_SUBMISSION_DEMO_CPU_TYPE_VALUES: set[JobSubmissionDemoCpuType] = {
    "demo.cpu",
}


def check_job_submission_demo_cpu_type(value: str) -> JobSubmissionDemoCpuType:
    if value in JOB_SUBMISSION_DEMO_CPU_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOB_SUBMISSION_DEMO_CPU_TYPE_VALUES!r}"
    )
