"""The Tasks framework's names from wherever this Django has them: ``django.tasks``
(Django 6.0+) or the ``django-tasks`` backport (Django 5.2, ``conveyor[tasks]``).

The backport's names differ in two places: ``InvalidTaskError`` (Django's
``InvalidTask``) and ``normalize_json`` (Django's is in ``django.utils.json``).
"""

from __future__ import annotations

try:
    from django.tasks import (  # type: ignore[import-not-found,unused-ignore]
        Task,
        TaskContext,
        TaskResult,
        TaskResultStatus,
    )
    from django.tasks.backends.base import (  # type: ignore[import-not-found,unused-ignore]
        BaseTaskBackend,
    )
    from django.tasks.base import TaskError  # type: ignore[import-not-found,unused-ignore]
    from django.tasks.exceptions import (  # type: ignore[import-not-found,unused-ignore]
        InvalidTask,
        TaskResultDoesNotExist,
    )
    from django.tasks.signals import (  # type: ignore[import-not-found,unused-ignore]
        task_enqueued,
        task_finished,
        task_started,
    )
    from django.utils.json import normalize_json  # type: ignore[import-not-found,unused-ignore]
except ImportError:
    from django_tasks.backends.base import (  # type: ignore[assignment,no-redef,unused-ignore]
        BaseTaskBackend,
    )
    from django_tasks.base import (  # type: ignore[assignment,no-redef,unused-ignore]
        Task,
        TaskContext,
        TaskError,
        TaskResult,
        TaskResultStatus,
    )
    from django_tasks.exceptions import (  # type: ignore[assignment,no-redef,unused-ignore]
        InvalidTaskError as InvalidTask,
    )
    from django_tasks.exceptions import (  # type: ignore[assignment,no-redef,unused-ignore]
        TaskResultDoesNotExist,
    )
    from django_tasks.signals import (  # type: ignore[assignment,no-redef,unused-ignore]
        task_enqueued,
        task_finished,
        task_started,
    )
    from django_tasks.utils import (  # type: ignore[assignment,no-redef,unused-ignore]
        normalize_json,
    )

__all__ = [
    "BaseTaskBackend",
    "InvalidTask",
    "Task",
    "TaskContext",
    "TaskError",
    "TaskResult",
    "TaskResultDoesNotExist",
    "TaskResultStatus",
    "normalize_json",
    "task_enqueued",
    "task_finished",
    "task_started",
]
