from typing import Literal

ScheduleJobDjangoTaskType = Literal["django.task"]

SCHEDULE_JOB_DJANGO_TASK_TYPE_VALUES: set[ScheduleJobDjangoTaskType] = {
    "django.task",
}


def check_schedule_job_django_task_type(value: str) -> ScheduleJobDjangoTaskType:
    if value in SCHEDULE_JOB_DJANGO_TASK_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SCHEDULE_JOB_DJANGO_TASK_TYPE_VALUES!r}"
    )
