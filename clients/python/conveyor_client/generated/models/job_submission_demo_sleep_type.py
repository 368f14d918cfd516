from typing import Literal

JobSubmissionDemoSleepType = Literal["demo.sleep"]

JOB_SUBMISSION_DEMO_SLEEP_TYPE_VALUES: set[JobSubmissionDemoSleepType] = {
    "demo.sleep",
}


def check_job_submission_demo_sleep_type(value: str) -> JobSubmissionDemoSleepType:
    if value in JOB_SUBMISSION_DEMO_SLEEP_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOB_SUBMISSION_DEMO_SLEEP_TYPE_VALUES!r}"
    )
