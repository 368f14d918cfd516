from typing import Literal

ScheduleJobDemoSleepType = Literal["demo.sleep"]

SCHEDULE_JOB_DEMO_SLEEP_TYPE_VALUES: set[ScheduleJobDemoSleepType] = {
    "demo.sleep",
}


def check_schedule_job_demo_sleep_type(value: str) -> ScheduleJobDemoSleepType:
    if value in SCHEDULE_JOB_DEMO_SLEEP_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SCHEDULE_JOB_DEMO_SLEEP_TYPE_VALUES!r}"
    )
