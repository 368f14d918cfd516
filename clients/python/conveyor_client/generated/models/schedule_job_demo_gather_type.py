from typing import Literal

ScheduleJobDemoGatherType = Literal["demo.gather"]

SCHEDULE_JOB_DEMO_GATHER_TYPE_VALUES: set[ScheduleJobDemoGatherType] = {
    "demo.gather",
}


def check_schedule_job_demo_gather_type(value: str) -> ScheduleJobDemoGatherType:
    if value in SCHEDULE_JOB_DEMO_GATHER_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SCHEDULE_JOB_DEMO_GATHER_TYPE_VALUES!r}"
    )
