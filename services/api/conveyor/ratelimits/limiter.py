"""``acquire(limits, now)``: let one job start under every limit given, or say when to retry.

Each limit is a sliding window: at most ``rate.jobs`` starts in any window of
``rate.period``, counted across every worker process, because the starts are rows in the
database (``RateLimitGrant``). One acquire is one short transaction that locks the limits'
bucket rows in key order (PostgreSQL: ``SELECT … FOR UPDATE``; SQLite: the write lock its
``IMMEDIATE`` transactions take), so acquires of one limit never interleave:

1. drop the starts that left the window (with a margin for clock skew between workers);
2. count those still in it; a limit with room lets the job through;
3. only if every limit has room is the start recorded under each of them, so a limit
   that refuses never costs the others a slot;
4. otherwise the job may try again when the last refusing limit frees a slot, or after the
   line of jobs already put off, whichever is later (``RateLimitBucket.deferred_until``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from conveyor.core import database
from conveyor.core.rates import Rate
from conveyor.ratelimits.models import RateLimitBucket, RateLimitGrant

# Starts are kept this much longer than their window: a worker whose clock runs ahead
# must not delete starts that another worker still counts.
CLOCK_SKEW_MARGIN = timedelta(seconds=10)
# A limit taken out of the settings leaves its rows; they go once this old, so workers of
# a rollout still running the old settings keep counting meanwhile.
ABANDONED_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Limit:
    """A rate limit and the key its shared state is kept under (``type:…``, ``queue:…``)."""

    key: str
    rate: Rate

    def __str__(self) -> str:
        return f"{self.key} ({self.rate})"


@dataclass(frozen=True)
class Verdict:
    """Granted, or refused with the earliest time worth trying again."""

    granted: bool
    retry_at: datetime | None = None
    refused_by: tuple[Limit, ...] = ()


GRANTED = Verdict(granted=True)


def acquire(limits: Sequence[Limit], *, now: datetime) -> Verdict:
    """One start under all ``limits`` at ``now``, recorded if granted.

    Runs in its own transaction, or in the caller's (so that a caller can undo the grant
    by rolling back, e.g. when the job it was for turns out not to be startable).
    """
    by_key = {limit.key: limit for limit in limits}
    if not by_key:
        return GRANTED
    keys = sorted(by_key)
    with transaction.atomic(using=database.alias(), savepoint=False):
        buckets = _lock(keys, now)
        free_at = {key: _free_at(by_key[key], now) for key in keys}
        refusing = [key for key in keys if free_at[key] is not None]
        if not refusing:
            RateLimitGrant.objects.bulk_create([RateLimitGrant(key=key, at=now) for key in keys])
            return GRANTED
        retry_at = max(_later(free_at[key], buckets[key].deferred_until) for key in refusing)
        for key in refusing:
            RateLimitBucket.objects.filter(key=key).update(
                deferred_until=retry_at + by_key[key].rate.spacing
            )
    return Verdict(granted=False, retry_at=retry_at, refused_by=tuple(by_key[k] for k in refusing))


def _lock(keys: list[str], now: datetime) -> dict[str, RateLimitBucket]:
    """The buckets of ``keys``, created if new, locked until the transaction ends."""
    locked = _select_for_update(keys)
    missing = [key for key in keys if key not in locked]
    if missing:
        RateLimitBucket.objects.bulk_create(
            [RateLimitBucket(key=key, created_at=now) for key in missing], ignore_conflicts=True
        )
        locked = _select_for_update(keys)
    return locked


def _select_for_update(keys: list[str]) -> dict[str, RateLimitBucket]:
    rows = RateLimitBucket.objects.select_for_update().filter(key__in=keys).order_by("key")
    return {bucket.key: bucket for bucket in rows}


def _free_at(limit: Limit, now: datetime) -> datetime | None:
    """None if the limit has room at ``now``, else when it will have."""
    window_start = now - limit.rate.period
    RateLimitGrant.objects.filter(key=limit.key, at__lte=window_start - CLOCK_SKEW_MARGIN).delete()
    recent = RateLimitGrant.objects.filter(key=limit.key, at__gt=window_start)
    count = recent.count()
    if count < limit.rate.jobs:
        return None
    # Room comes back when so many starts have left the window that one more fits.
    leaving: datetime = recent.order_by("at").values_list("at", flat=True)[count - limit.rate.jobs]
    return leaving + limit.rate.period


def _later(free_at: datetime | None, deferred_until: datetime | None) -> datetime:
    assert free_at is not None
    return max(free_at, deferred_until) if deferred_until is not None else free_at


def forget_abandoned(*, in_force: set[str], now: datetime) -> int:
    """Delete the rows of limits no longer in force, once ``ABANDONED_AFTER`` passed.

    A limit in force drops its own old starts on every acquire; one taken out of the
    settings never acquires again, so its starts and its bucket would stay forever.
    The number of rows deleted.
    """
    cutoff = now - ABANDONED_AFTER
    grants, _ = RateLimitGrant.objects.exclude(key__in=in_force).filter(at__lte=cutoff).delete()
    recent = RateLimitGrant.objects.filter(at__gt=cutoff).values("key")
    buckets, _ = (
        RateLimitBucket.objects.exclude(key__in=in_force)
        .filter(created_at__lte=cutoff)
        .exclude(key__in=recent)
        .delete()
    )
    return grants + buckets
