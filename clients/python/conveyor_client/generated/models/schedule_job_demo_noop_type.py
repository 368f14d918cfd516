from typing import Literal

ScheduleJobDemoNoopType = Literal["demo.noop"]

SCHEDULE_JOB_DEMO_NOOP_TYPE_VALUES: set[ScheduleJobDemoNoopType] = {
    "demo.noop",
}


def check_schedule_job_demo_noop_type(value: str) -> ScheduleJobDemoNoopType:
    if value in SCHEDULE_JOB_DEMO_NOOP_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SCHEDULE_JOB_DEMO_NOOP_TYPE_VALUES!r}"
    )
