from typing import Literal

WorkflowOutputStateEnum = Literal["cancelled", "failed", "running", "succeeded"]

WORKFLOW_OUTPUT_STATE_ENUM_VALUES: set[WorkflowOutputStateEnum] = {
    "cancelled",
    "failed",
    "running",
    "succeeded",
}


def check_workflow_output_state_enum(value: str) -> WorkflowOutputStateEnum:
    if value in WORKFLOW_OUTPUT_STATE_ENUM_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {WORKFLOW_OUTPUT_STATE_ENUM_VALUES!r}"
    )
