from typing import Literal

ScheduleJobDemoFanoutType = Literal["demo.fanout"]

SCHEDULE_JOB_DEMO_FANOUT_TYPE_VALUES: set[ScheduleJobDemoFanoutType] = {
    "demo.fanout",
}


def check_schedule_job_demo_fanout_type(value: str) -> ScheduleJobDemoFanoutType:
    if value in SCHEDULE_JOB_DEMO_FANOUT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SCHEDULE_JOB_DEMO_FANOUT_TYPE_VALUES!r}"
    )
