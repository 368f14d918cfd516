from typing import Literal

JobStateEnum = Literal[
    "blocked",
    "cancelled",
    "cancelling",
    "failed",
    "queued",
    "retrying",
    "running",
    "scheduled",
    "succeeded",
]

JOB_STATE_ENUM_VALUES: set[JobStateEnum] = {
    "blocked",
    "cancelled",
    "cancelling",
    "failed",
    "queued",
    "retrying",
    "running",
    "scheduled",
    "succeeded",
}


def check_job_state_enum(value: str) -> JobStateEnum:
    if value in JOB_STATE_ENUM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {JOB_STATE_ENUM_VALUES!r}")
