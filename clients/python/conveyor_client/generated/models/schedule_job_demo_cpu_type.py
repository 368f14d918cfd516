from typing import Literal

ScheduleJobDemoCpuType = Literal["demo.cpu"]

SCHEDULE_JOB_DEMO_CPU_TYPE_VALUES: set[ScheduleJobDemoCpuType] = {
    "demo.cpu",
}


def check_schedule_job_demo_cpu_type(value: str) -> ScheduleJobDemoCpuType:
    if value in SCHEDULE_JOB_DEMO_CPU_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SCHEDULE_JOB_DEMO_CPU_TYPE_VALUES!r}"
    )
