"""Job type specs: a job type's name, parameters and policies, without its code.

A spec is declared once, in a module of ``CONVEYOR_JOB_TYPE_MODULES`` that both the API
and the worker import::

    class SleepParams(JobParams):
        seconds: float = Field(gt=0, le=3600)

    SLEEP = job_type("demo.sleep", params=SleepParams, time_limit=timedelta(minutes=5))

The params model (pydantic) validates submissions in the API, is the JSON Schema shown by
``GET /v1/job-types``, and is the typed input the handler receives. The handler itself
lives in the worker (``conveyor_worker/handlers.py`` registers it by the spec's name): the
API validates against specs without importing any handler code. This module is light
(stdlib, pydantic and ``core.rates``).
"""

from __future__ import annotations

import importlib
import logging
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ParamSpec, Protocol

from pydantic import BaseModel, ConfigDict

from conveyor.core.rates import Rate, RateLimitSyntaxError, parse_rate


class JobParams(BaseModel):
    """Base of every params model: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(JobParams):
    """For job types that take no parameters."""


# ---- what handlers raise -------------------------------------------------------------


class RetryableError(Exception):
    """A failure worth another attempt (a timeout, a 503)."""


class PermanentError(Exception):
    """A failure no retry will fix (a 404, a rejected input): the job fails at once."""


class JobCancelled(Exception):
    """Raised by ``ctx.raise_if_cancelled()`` when the job's cancel was requested."""


# ---- what handlers receive -----------------------------------------------------------


class JobContext(Protocol):
    """What a handler may ask of the platform while it runs."""

    job_id: str
    attempt: int
    log: logging.LoggerAdapter[logging.Logger]

    def progress(self, percent: float, message: str = "") -> None:
        """Record progress (0-100) and a short message, shown on the job."""

    @property
    def cancel_requested(self) -> bool:
        """True once a cancel of this job was requested."""

    def raise_if_cancelled(self) -> None:
        """Raise ``JobCancelled`` if a cancel was requested; call between steps."""

    def sleep(self, seconds: float) -> None:
        """Sleep, waking early (with ``JobCancelled``) if the job is cancelled."""

    def spawn(
        self,
        name: str,
        type: str,
        params: Mapping[str, Any] | None = None,
        *,
        depends_on: Sequence[str] = (),
        results_param: str = "",
        on_dependency_failure: str = "cancel",
        **options: Any,
    ) -> None:
        """Add a job to this job's workflow once this attempt succeeds (stored with its
        outcome, never by an attempt that fails); ``depends_on`` names earlier spawns
        (docs/workflows.md#dynamic-fan-out). Raises ``InvalidInput`` for a bad spawn."""


# ---- policies ------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a job gets, how long it waits between them, which errors retry.

    The delay before attempt n+1 is ``backoff * factor**(n-1)``, capped at ``backoff_max``,
    with "equal jitter": half of it fixed, the other half random, so retries of many jobs
    spread out but never come sooner than half the nominal delay.
    """

    max_attempts: int = 3
    backoff: timedelta = timedelta(seconds=2)
    factor: float = 2.0
    backoff_max: timedelta = timedelta(minutes=10)
    retry_on: tuple[type[BaseException], ...] = (Exception,)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.factor < 1:
            raise ValueError("factor must be at least 1")

    def retries(self, exc: BaseException) -> bool:
        if isinstance(exc, PermanentError | JobCancelled):
            return False
        return isinstance(exc, self.retry_on)

    def delay(self, attempt: int, rng: random.Random | None = None) -> timedelta:
        """The wait after failed attempt number ``attempt`` (1-based)."""
        nominal = min(
            self.backoff.total_seconds() * self.factor ** max(attempt - 1, 0),
            self.backoff_max.total_seconds(),
        )
        half = nominal / 2
        return timedelta(seconds=half + (rng or random).uniform(0, half))


P = ParamSpec("P")

# The most attempts a job may be given, whatever its job type or submission says.
MAX_ATTEMPTS_CEILING = 100


@dataclass(frozen=True)
class JobType:
    """A job type's spec: what the API validates and shows, and how the worker runs it."""

    name: str
    params: type[JobParams]
    queue: str
    retry: RetryPolicy
    time_limit: timedelta
    description: str = ""
    # As declared; CONVEYOR_TYPE_RATE_LIMITS may replace it (conveyor.ratelimits.limits).
    rate_limit: Rate | None = None
    # A check of a submission's validated params that the params model cannot make alone
    # (it may read the database): raises ``InvalidInput`` naming the field. django.task's
    # checks the task against what workers advertised (conveyor/djangotasks/admission.py).
    check: Callable[[Mapping[str, Any]], None] | None = None

    def params_schema(self) -> dict[str, Any]:
        return self.params.model_json_schema()


@dataclass
class _Registry:
    types: dict[str, JobType] = field(default_factory=dict)
    loaded: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_registry = _Registry()


def build_job_type(
    name: str,
    *,
    params: type[JobParams] = NoParams,
    queue: str | None = None,
    retry: RetryPolicy | None = None,
    time_limit: timedelta = timedelta(minutes=10),
    description: str = "",
    rate_limit: str | None = None,
    check: Callable[[Mapping[str, Any]], None] | None = None,
) -> JobType:
    """A checked spec of job type ``name``, not registered (``job_type`` registers it).

    ``queue`` defaults to ``CONVEYOR_DEFAULT_QUEUE`` (``default``). ``rate_limit`` (``"10/s"``,
    ``"100/m"``, ``"1000/h"``) caps the starts of this type across all workers
    (docs/rate-limits.md).
    """
    try:
        rate = parse_rate(rate_limit) if rate_limit is not None else None
    except RateLimitSyntaxError as exc:
        raise ValueError(f"job type {name!r}: rate_limit {exc}") from None
    if time_limit <= timedelta(0):
        raise ValueError(f"job type {name!r}: time_limit must be positive")
    return JobType(
        name=name,
        params=params,
        queue=queue or _default_queue(),
        retry=retry or RetryPolicy(),
        time_limit=time_limit,
        description=description,
        rate_limit=rate,
        check=check,
    )


def _registering(build: Callable[P, JobType]) -> Callable[P, JobType]:
    """``build``, registering each spec it returns (a name declared twice is an error)."""

    def declare(*args: P.args, **kwargs: P.kwargs) -> JobType:
        spec = build(*args, **kwargs)
        if spec.name in _registry.types:
            raise ValueError(f"job type {spec.name!r} is declared twice")
        _registry.types[spec.name] = spec
        return spec

    return declare


#: Declare a job type and return its spec: ``build_job_type``'s arguments, and the spec is
#: registered; its handler is registered in the worker under the same name.
job_type = _registering(build_job_type)


def _default_queue() -> str:
    from django.conf import settings

    return str(settings.CELERY_TASK_DEFAULT_QUEUE)


def _ensure_loaded() -> None:
    if _registry.loaded:
        return
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    with _registry.lock:
        if _registry.loaded:
            return
        for module in settings.CONVEYOR_JOB_TYPE_MODULES:
            importlib.import_module(module)
        limit = timedelta(seconds=settings.CONVEYOR_MAX_JOB_SECONDS)
        too_long = [t.name for t in _registry.types.values() if t.time_limit > limit]
        if too_long:
            raise ImproperlyConfigured(
                f"job types {too_long} have a time limit above CONVEYOR_MAX_JOB_SECONDS="
                f"{settings.CONVEYOR_MAX_JOB_SECONDS}; raise it (the broker's redelivery "
                "timeout follows it)."
            )
        _check_rate_limit_names(
            settings.CONVEYOR_TYPE_RATE_LIMITS, settings.CONVEYOR_QUEUE_RATE_LIMITS
        )
        _registry.loaded = True


def _check_rate_limit_names(types: dict[str, Any], queues: dict[str, Any]) -> None:
    """A rate limit naming no job type or queue is a typo that would limit nothing."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    unknown_types = sorted(set(types) - set(_registry.types))
    known_queues = {t.queue for t in _registry.types.values()} | set(settings.CONVEYOR_EXTRA_QUEUES)
    unknown_queues = sorted(set(queues) - known_queues)
    if unknown_types or unknown_queues:
        raise ImproperlyConfigured(
            f"rate limits name unknown job types {unknown_types} (CONVEYOR_TYPE_RATE_LIMITS) "
            f"or unknown queues {unknown_queues} (CONVEYOR_QUEUE_RATE_LIMITS); known job "
            f"types: {sorted(_registry.types)}, known queues: {sorted(known_queues)}."
        )


def get_job_type(name: str) -> JobType | None:
    _ensure_loaded()
    return _registry.types.get(name)


def all_job_types() -> list[JobType]:
    _ensure_loaded()
    return sorted(_registry.types.values(), key=lambda t: t.name)


def job_type_queues() -> set[str]:
    return {t.queue for t in all_job_types()}


def type_rate(spec: JobType) -> Rate | None:
    """The job type's rate limit in force: ``CONVEYOR_TYPE_RATE_LIMITS``' override when it
    names the type (``none`` lifts the limit), else the spec's declaration."""
    from django.conf import settings

    overrides: dict[str, Rate | None] = settings.CONVEYOR_TYPE_RATE_LIMITS
    if spec.name in overrides:
        return overrides[spec.name]
    return spec.rate_limit


def queue_rate(queue: str) -> Rate | None:
    """The queue's rate limit (``CONVEYOR_QUEUE_RATE_LIMITS``), if it has one."""
    from django.conf import settings

    limits: dict[str, Rate] = settings.CONVEYOR_QUEUE_RATE_LIMITS
    return limits.get(queue)
