"""The shop keeps an audit trail of its tasks from Django's task signals, as any Django
project may: ``task_enqueued`` in the web process, ``task_started`` and ``task_finished``
where the task runs."""

from django.dispatch import receiver

try:
    from django.tasks.signals import task_enqueued, task_finished, task_started  # Django 6
except ImportError:
    from django_tasks.signals import task_enqueued, task_finished, task_started  # backport

from example.shop.models import TaskEvent


def record(signal: str, sender: type, task_result) -> None:
    TaskEvent.objects.create(
        signal=signal,
        task=task_result.task.module_path,
        result_id=task_result.id,
        status=task_result.status,
        backend=sender.__name__,
    )


@receiver(task_enqueued)
def enqueued(sender: type, task_result, **kwargs) -> None:
    record("enqueued", sender, task_result)


@receiver(task_started)
def started(sender: type, task_result, **kwargs) -> None:
    record("started", sender, task_result)


@receiver(task_finished)
def finished(sender: type, task_result, **kwargs) -> None:
    record("finished", sender, task_result)
