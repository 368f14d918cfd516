"""The job lifecycle: states and the transitions allowed between them (DESIGN.md).

```
scheduled ──(run_at due)──▶ queued ──▶ running ──▶ succeeded
    ▲                          ▲          │
    └──── retrying ◀───────────┼──────────┤ error, attempts left
                               │          ├──▶ failed
 cancel: scheduled|queued|retrying ──▶ cancelled ; running ──▶ cancelling ──▶ cancelled
```

A queued job whose start a rate limit refuses goes back to scheduled (docs/rate-limits.md).

A job of a workflow that names jobs it depends on is ``blocked`` until they end: then it
is queued once, or cancelled (or failed, when the results it is given do not fit its
params); a retry of the job that failed blocks its cancelled dependents again
(docs/workflows.md).
"""

from __future__ import annotations

from django.db import models


class JobState(models.TextChoices):
    # Waits for the jobs it depends on (conveyor/workflows); not queued, not backlog.
    BLOCKED = "blocked"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"


FINAL_STATES: frozenset[str] = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})
# States in which a worker holds the job (and its lease).
LEASED_STATES: frozenset[str] = frozenset({JobState.RUNNING, JobState.CANCELLING})
# States a cancel ends at once, without a worker's involvement.
CANCEL_AT_ONCE_STATES: frozenset[str] = frozenset(
    {JobState.BLOCKED, JobState.SCHEDULED, JobState.QUEUED, JobState.RETRYING}
)
# States a client may retry from.
RETRYABLE_STATES: frozenset[str] = frozenset({JobState.FAILED, JobState.CANCELLED})
# States that wait in the database for their run_at.
WAITING_STATES: frozenset[str] = frozenset({JobState.SCHEDULED, JobState.RETRYING})

TRANSITIONS: dict[str, frozenset[str]] = {
    # blocked → failed: the results of its dependencies do not fit its params.
    JobState.BLOCKED: frozenset({JobState.QUEUED, JobState.CANCELLED, JobState.FAILED}),
    JobState.SCHEDULED: frozenset({JobState.QUEUED, JobState.CANCELLED}),
    # queued → queued: the message was lost and is published again.
    # queued → scheduled: a rate limit put the start off (docs/rate-limits.md).
    # queued → blocked: a workflow job retried while a dependency has not succeeded.
    JobState.QUEUED: frozenset(
        {
            JobState.QUEUED,
            JobState.RUNNING,
            JobState.CANCELLED,
            JobState.SCHEDULED,
            JobState.BLOCKED,
        }
    ),
    # running → queued / retrying / failed also cover a lapsed lease (worker gone).
    # running → scheduled: a worker without the job type's handler gave it back, unused.
    JobState.RUNNING: frozenset(
        {
            JobState.SUCCEEDED,
            JobState.FAILED,
            JobState.RETRYING,
            JobState.QUEUED,
            JobState.CANCELLING,
            JobState.SCHEDULED,
        }
    ),
    JobState.RETRYING: frozenset({JobState.QUEUED, JobState.CANCELLED}),
    JobState.CANCELLING: frozenset({JobState.CANCELLED, JobState.SUCCEEDED, JobState.FAILED}),
    JobState.SUCCEEDED: frozenset(),
    # failed / cancelled → blocked: a job a dependency's end ended waits again when that
    # dependency is retried (conveyor/workflows).
    JobState.FAILED: frozenset({JobState.QUEUED, JobState.BLOCKED}),
    JobState.CANCELLED: frozenset({JobState.QUEUED, JobState.BLOCKED}),
}


def can_transition(source: str, target: str) -> bool:
    return target in TRANSITIONS.get(source, frozenset())


def sources_of(target: str, candidates: frozenset[str] | set[str]) -> list[str]:
    """The candidate states that may move to ``target``; raises if one may not.

    A programming error in a transition (not bad input), so it fails loudly.
    """
    bad = sorted(s for s in candidates if not can_transition(s, target))
    if bad:
        raise ValueError(f"transition {bad} -> {target} is not allowed by the lifecycle")
    return sorted(candidates)
