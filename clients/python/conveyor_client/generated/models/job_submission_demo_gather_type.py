from typing import Literal

JobSubmissionDemoGatherType = Literal["demo.gather"]

JOB_SUBMISSION_DEMO_GATHER_TYPE_VALUES: set[JobSubmissionDemoGatherType] = {
    "demo.gather",
}


def check_job_submission_demo_gather_type(value: str) -> JobSubmissionDemoGatherType:
    if value in JOB_SUBMISSION_DEMO_GATHER_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOB_SUBMISSION_DEMO_GATHER_TYPE_VALUES!r}"
    )
