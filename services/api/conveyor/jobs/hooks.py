"""What follows a job reaching a final state: an explicit, ordered list of hooks.

``jobs`` knows no feature that reacts to a job's end; each such feature (webhooks today)
provides a hook, and ``CONVEYOR_FINAL_HOOKS`` lists them, in the order they run. Every
hook runs inside the transaction that made the job final, so what it stores commits or
rolls back with that change, and what it sends waits for the commit.
"""

from __future__ import annotations

from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from conveyor.jobs import longpoll
from conveyor.jobs.models import Job


class FinalHook(Protocol):
    """A feature's reaction to a job reaching a final state."""

    def wants(self, job: Job) -> bool:
        """Whether this job needs the hook, from the fields a worker's claim loaded (no
        query): a worker records the outcome of a job no hook wants in one statement."""

    def after_final(self, job: Job) -> None:
        """React to ``job`` having become final, in the transaction that made it so.
        ``job`` is the row as its caller loaded it: its id and its submission's fields
        hold, its state and outcome may be older than the database's."""

    def after_retry(self, job: Job) -> None:
        """React to a final ``job`` being queued again (``job_retry``), in the
        transaction that queued it; called when the hook ``wants`` the job."""


@cache
def final_hooks() -> tuple[FinalHook, ...]:
    """The configured hooks, in order (imported once per process)."""
    return tuple(import_string(path)() for path in settings.CONVEYOR_FINAL_HOOKS)


def any_hook_wants(job: Job) -> bool:
    return any(hook.wants(job) for hook in final_hooks())


def on_final(job: Job) -> None:
    """What follows ``job`` reaching a final state, in the transaction that moved it there:
    long-polling requests are woken (at commit), then each hook that wants the job runs."""
    longpoll.notify_final(job.pk)
    for hook in final_hooks():
        if hook.wants(job):
            hook.after_final(job)


def on_retry(job: Job) -> None:
    """What follows a final ``job`` being queued again, in the transaction that did it."""
    for hook in final_hooks():
        if hook.wants(job):
            hook.after_retry(job)
