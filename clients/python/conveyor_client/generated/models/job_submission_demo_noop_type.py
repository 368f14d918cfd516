from typing import Literal

JobSubmissionDemoNoopType = Literal["demo.noop"]

JOB_SUBMISSION_DEMO_NOOP_TYPE_VALUES: set[JobSubmissionDemoNoopType] = {
    "demo.noop",
}


def check_job_submission_demo_noop_type(value: str) -> JobSubmissionDemoNoopType:
    if value in JOB_SUBMISSION_DEMO_NOOP_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOB_SUBMISSION_DEMO_NOOP_TYPE_VALUES!r}"
    )
