from typing import Literal

JobSubmissionDemoFanoutType = Literal["demo.fanout"]

JOB_SUBMISSION_DEMO_FANOUT_TYPE_VALUES: set[JobSubmissionDemoFanoutType] = {
    "demo.fanout",
}


def check_job_submission_demo_fanout_type(value: str) -> JobSubmissionDemoFanoutType:
    if value in JOB_SUBMISSION_DEMO_FANOUT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOB_SUBMISSION_DEMO_FANOUT_TYPE_VALUES!r}"
    )
