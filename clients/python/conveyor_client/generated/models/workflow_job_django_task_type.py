from typing import Literal

WorkflowJobDjangoTaskType = Literal["django.task"]

WORKFLOW_JOB_DJANGO_TASK_TYPE_VALUES: set[WorkflowJobDjangoTaskType] = {
    "django.task",
}


def check_workflow_job_django_task_type(value: str) -> WorkflowJobDjangoTaskType:
    if value in WORKFLOW_JOB_DJANGO_TASK_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {WORKFLOW_JOB_DJANGO_TASK_TYPE_VALUES!r}"
    )
