"""``Idempotency-Key`` on ``POST /v1/jobs``: one job per (client, key), however often sent.

- The same key with the same body returns the job the first request created.
- The same key with another body is a conflict (409): the key was reused by mistake.
- A key is remembered for ``CONVEYOR_IDEMPOTENCY_TTL_SECONDS``; an expired one is
  ignored (and replaced), and deleted later by the retention task.

Two concurrent requests with one key race on the unique (client, key) constraint: the
loser's transaction (its job included, and its publish) is rolled back, and it answers
with the winner's job.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from conveyor.clients.models import ApiClient
from conveyor.core import database
from conveyor.core.batches import delete_in_batches
from conveyor.core.errors import Conflict, InvalidInput
from conveyor.jobs.models import IdempotencyKey, Job

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Visible ASCII, no spaces: UUIDs, ULIDs, "order-1234:charge" and the like.
KEY_PATTERN = re.compile(rf"^[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}$")


def parse_key(value: str | None) -> str | None:
    """The header's key, None without one; a malformed key is a 400."""
    if value is None:
        return None
    if not KEY_PATTERN.fullmatch(value):
        raise InvalidInput(
            f"The {HEADER} header is not a valid key.",
            errors=[
                {
                    "field": HEADER,
                    "message": f"1 to {MAX_KEY_LENGTH} visible ASCII characters, "
                    "without spaces (a UUID fits).",
                    "code": "invalid",
                }
            ],
        )
    return value


def body_hash(body: Any) -> str:
    """SHA-256 of the body as canonical JSON: key order and spacing do not matter."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _live(*, client: ApiClient, key: str, now: datetime) -> IdempotencyKey | None:
    cutoff = now - settings.CONVEYOR_IDEMPOTENCY_TTL
    return (
        IdempotencyKey.objects.select_related("job")
        .filter(client=client, key=key, created_at__gte=cutoff)
        .first()
    )


def _replay(record: IdempotencyKey, digest: str) -> Job:
    if record.body_hash != digest:
        raise Conflict(
            f"{HEADER} {record.key!r} was used for a different request body (job "
            f"{record.job_id}); use a new key for a new job."
        )
    return record.job


def submit_once(
    *,
    client: ApiClient,
    key: str,
    digest: str,
    create: Callable[[], Job],
    now: datetime | None = None,
) -> tuple[Job, bool]:
    """The job for this key: ``(job, True)`` if ``create`` made it now, ``(job, False)``
    if an earlier request with the key and the same body did."""
    now = now or timezone.now()
    record = _live(client=client, key=key, now=now)
    if record is not None:
        return _replay(record, digest), False
    try:
        with transaction.atomic(using=database.alias()):
            # An expired record of this key gives way to the new one.
            IdempotencyKey.objects.filter(
                client=client, key=key, created_at__lt=now - settings.CONVEYOR_IDEMPOTENCY_TTL
            ).delete()
            job = create()
            IdempotencyKey.objects.create(
                client=client, key=key, body_hash=digest, job=job, created_at=now
            )
    except IntegrityError:
        # A concurrent request with this key committed first: its job is the job.
        record = _live(client=client, key=key, now=now)
        if record is None:
            raise
        return _replay(record, digest), False
    return job, True


def delete_expired(*, now: datetime | None = None, batch_size: int = 1000) -> int:
    """Delete keys older than the TTL, ``batch_size`` rows per transaction."""
    cutoff = (now or timezone.now()) - settings.CONVEYOR_IDEMPOTENCY_TTL
    expired = IdempotencyKey.objects.filter(created_at__lt=cutoff)
    return delete_in_batches(expired, batch_size=batch_size, order_by="created_at")
