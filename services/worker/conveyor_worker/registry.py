"""The worker's handlers, registered by job type name, and their check against the specs.

A job type's spec (``conveyor/jobs/types.py``) is what the API and the worker share; its
handler is worker code, registered here with ``@handler(SPEC)`` from a module of
``CONVEYOR_HANDLER_MODULES``. The two registries meet by name: ``load_handlers`` refuses
a handler whose job type has no spec (a typo, or a spec module missing from
``CONVEYOR_JOB_TYPE_MODULES``), and a test keeps the built-in ones in step.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from conveyor.jobs.types import JobType, all_job_types

log = logging.getLogger(__name__)

Handler = Callable[[Any, Any], Any]
H = TypeVar("H", bound=Handler)


@dataclass(frozen=True)
class Registered:
    """A job type this worker runs: its spec and its handler."""

    spec: JobType
    function: Handler


@dataclass
class _Handlers:
    by_name: dict[str, Registered] = field(default_factory=dict)
    loaded: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_handlers = _Handlers()


def handler(spec: JobType) -> Callable[[H], H]:
    """Register the decorated function as the handler of ``spec``'s job type."""

    def register(function: H) -> H:
        known = _handlers.by_name.get(spec.name)
        if known is not None and known.function is not function:
            raise ValueError(f"job type {spec.name!r} has two handlers")
        _handlers.by_name[spec.name] = Registered(spec=spec, function=function)
        return function

    return register


def load_handlers() -> dict[str, Registered]:
    """Import ``CONVEYOR_HANDLER_MODULES`` once; every handler, with its spec, by job type
    name."""
    if _handlers.loaded:
        return _handlers.by_name
    with _handlers.lock:
        if not _handlers.loaded:
            for module in settings.CONVEYOR_HANDLER_MODULES:
                importlib.import_module(module)
            _check_against_specs(set(_handlers.by_name))
            _handlers.loaded = True
    return _handlers.by_name


def get_handler(name: str) -> Registered | None:
    """The spec and handler of job type ``name``, if this worker runs it."""
    return load_handlers().get(name)


def _check_against_specs(handled: set[str]) -> None:
    declared = {spec.name for spec in all_job_types()}
    unknown = sorted(handled - declared)
    if unknown:
        raise ImproperlyConfigured(
            f"handlers for job types {unknown} have no spec: add the module that declares "
            f"them to CONVEYOR_JOB_TYPE_MODULES (now {settings.CONVEYOR_JOB_TYPE_MODULES})."
        )
    missing = sorted(declared - handled)
    if missing:
        log.warning(
            "this worker has no handler for job types %s (CONVEYOR_HANDLER_MODULES=%s); "
            "their jobs fail here",
            missing,
            settings.CONVEYOR_HANDLER_MODULES,
        )
