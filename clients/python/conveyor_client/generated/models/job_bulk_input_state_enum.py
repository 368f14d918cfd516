from typing import Literal

JobBulkInputStateEnum = Literal[
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

JOB_BULK_INPUT_STATE_ENUM_VALUES: set[JobBulkInputStateEnum] = {
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


def check_job_bulk_input_state_enum(value: str) -> JobBulkInputStateEnum:
    if value in JOB_BULK_INPUT_STATE_ENUM_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOB_BULK_INPUT_STATE_ENUM_VALUES!r}"
    )
