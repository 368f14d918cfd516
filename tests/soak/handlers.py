"""Handlers of the soak's job types (``tests/soak/jobtypes.py``).

The side effect is a member added to a Redis set (the machine's Redis, which the soak
never restarts), ``<job id>:<attempt number>:<token>``, one per run of a handler: the soak
counts them per attempt and compares them with the attempts the platform recorded. The
token is new on each run, so redis-py retrying the command after a timeout (it does, by
default, and the command may have been applied) adds nothing, where a counter would
count the run twice.
"""

from __future__ import annotations

import os
import uuid
from functools import cache

import redis

from conveyor.jobs.types import JobContext, NoParams, RetryableError
from conveyor_worker.registry import handler
from tests.soak.effects import EFFECTS_KEY_ENV, EFFECTS_URL_ENV
from tests.soak.jobtypes import DOOMED, EFFECT, FLAKY, EffectParams, FlakyParams


class SoakFailure(RetryableError):
    """The failure the soak's failing job types raise on purpose."""


@cache
def _effects() -> tuple[redis.Redis, str]:
    client = redis.Redis.from_url(os.environ[EFFECTS_URL_ENV], socket_timeout=30)
    return client, os.environ[EFFECTS_KEY_ENV]


def record_effect(ctx: JobContext) -> None:
    client, key = _effects()
    client.sadd(key, f"{ctx.job_id}:{ctx.attempt}:{uuid.uuid4().hex}")


@handler(EFFECT)
def effect(ctx: JobContext, params: EffectParams) -> dict[str, int]:
    record_effect(ctx)
    ctx.sleep(params.seconds)
    return {"attempt": ctx.attempt}


@handler(FLAKY)
def flaky(ctx: JobContext, params: FlakyParams) -> dict[str, int]:
    if ctx.attempt <= params.failures:
        raise SoakFailure(f"attempt {ctx.attempt} of {params.failures} meant to fail")
    record_effect(ctx)
    ctx.sleep(params.seconds)
    return {"attempt": ctx.attempt}


@handler(DOOMED)
def doomed(ctx: JobContext, params: NoParams) -> None:
    raise SoakFailure(f"attempt {ctx.attempt}: this job type always fails")
