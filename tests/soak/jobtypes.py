"""Job type specs only the soak declares (``CONVEYOR_JOB_TYPE_MODULES``); their handlers,
which record a side effect per attempt, are in ``tests/soak/handlers.py``."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from conveyor.jobs.types import JobParams, RetryPolicy, job_type

# Short backoffs: a soak of a few minutes sees its retries through.
QUICK_RETRIES = RetryPolicy(
    max_attempts=10, backoff=timedelta(seconds=0.5), backoff_max=timedelta(seconds=4)
)


class EffectParams(JobParams):
    seconds: float = Field(ge=0, le=30, description="how long it runs after its side effect")


class FlakyParams(JobParams):
    failures: int = Field(ge=0, le=5, description="attempts that fail before one succeeds")
    seconds: float = Field(ge=0, le=30, description="how long it runs after its side effect")


EFFECT = job_type(
    "soak.effect",
    params=EffectParams,
    time_limit=timedelta(minutes=1),
    retry=QUICK_RETRIES,
    description="Records its side effect, then runs a while: a kill in between reruns it.",
)

FLAKY = job_type(
    "soak.flaky",
    params=FlakyParams,
    time_limit=timedelta(minutes=1),
    retry=QUICK_RETRIES,
    description="Fails its first attempts (retryable), then records its side effect.",
)

DOOMED = job_type(
    "soak.doomed",
    time_limit=timedelta(minutes=1),
    retry=RetryPolicy(max_attempts=2, backoff=timedelta(seconds=0.5)),
    description="Fails every attempt: the job fails once its attempts are spent.",
)
