"""The pool's processes keep sharing the main process's memory: the garbage collector
copies none of it.

A prefork child starts with the main process's pages, shared copy-on-write: the code,
Django's settings, models and app registry, the job types and handlers (all loaded before
the pool forks, see ``app.py``). CPython's cycle collector writes into the header of
every object it examines, so a child's first full collection touches every object it
inherited and the kernel copies every page they sit on (measured: 52 MiB private in a
pool process that had run one, 22 in one that had not; docs/performance.md, change 16).
``gc.freeze()`` right before each fork
moves what the main process then holds into the permanent generation, which no
collection examines, in the main process or in its children.

Celery collects right before it forks a pool process (``AsynPool._create_worker_process``,
Celery issue 2927); this collects first, so no garbage is frozen. A frozen object is
still freed by reference counting; only a reference cycle among objects the main process
held at a fork is never collected, and those are few: the main process's start-up state.
"""

from __future__ import annotations

import gc
from typing import Any

from celery.signals import worker_before_create_process


def _freeze_before_fork(**_: Any) -> None:
    gc.collect()
    gc.freeze()


def install() -> None:
    """Freeze the main process's objects before each pool process forks (called once by
    ``conveyor_worker.app``; the signal is sent by the prefork pool only)."""
    worker_before_create_process.connect(_freeze_before_fork, weak=False)
