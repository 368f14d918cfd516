from typing import Literal

OutcomeEnum = Literal[
    "cancelled", "failed", "interrupted", "lost", "retrying", "succeeded", "timed_out"
]

OUTCOME_ENUM_VALUES: set[OutcomeEnum] = {
    "cancelled",
    "failed",
    "interrupted",
    "lost",
    "retrying",
    "succeeded",
    "timed_out",
}


def check_outcome_enum(value: str) -> OutcomeEnum:
    if value in OUTCOME_ENUM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {OUTCOME_ENUM_VALUES!r}")
