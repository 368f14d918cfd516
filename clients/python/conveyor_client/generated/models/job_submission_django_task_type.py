from typing import Literal

JobSubmissionDjangoTaskType = Literal["django.task"]

JOB_SUBMISSION_DJANGO_TASK_TYPE_VALUES: set[JobSubmissionDjangoTaskType] = {
    "django.task",
}


def check_job_submission_django_task_type(value: str) -> JobSubmissionDjangoTaskType:
    if value in JOB_SUBMISSION_DJANGO_TASK_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOB_SUBMISSION_DJANGO_TASK_TYPE_VALUES!r}"
    )
