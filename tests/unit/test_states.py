"""The lifecycle table itself: what may follow what."""

from __future__ import annotations

import pytest

from conveyor.jobs.states import FINAL_STATES, TRANSITIONS, JobState, can_transition, sources_of


@pytest.mark.parametrize("final", sorted(FINAL_STATES))
def test_final_states_only_leave_by_an_explicit_retry(final: str) -> None:
    # blocked: a workflow's job retried, or waiting again for a dependency retried
    assert TRANSITIONS[final] <= {JobState.QUEUED, JobState.BLOCKED}
    assert not can_transition(final, JobState.RUNNING)


def test_a_succeeded_job_never_runs_again() -> None:
    assert TRANSITIONS[JobState.SUCCEEDED] == frozenset()


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (JobState.SCHEDULED, JobState.QUEUED),
        (JobState.QUEUED, JobState.RUNNING),
        (JobState.RUNNING, JobState.SUCCEEDED),
        (JobState.RUNNING, JobState.RETRYING),
        (JobState.RETRYING, JobState.QUEUED),
        (JobState.RUNNING, JobState.FAILED),
        (JobState.RUNNING, JobState.CANCELLING),
        (JobState.CANCELLING, JobState.CANCELLED),
        (JobState.QUEUED, JobState.CANCELLED),
        (JobState.SCHEDULED, JobState.CANCELLED),
        (JobState.RETRYING, JobState.CANCELLED),
        (JobState.QUEUED, JobState.SCHEDULED),
    ],
)
def test_design_transitions_are_allowed(source: str, target: str) -> None:
    assert can_transition(source, target)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (JobState.QUEUED, JobState.SUCCEEDED),
        (JobState.SCHEDULED, JobState.RUNNING),
        (JobState.RETRYING, JobState.RUNNING),
        (JobState.CANCELLED, JobState.RUNNING),
        (JobState.CANCELLING, JobState.QUEUED),
        (JobState.QUEUED, JobState.CANCELLING),
    ],
)
def test_shortcuts_are_refused(source: str, target: str) -> None:
    assert not can_transition(source, target)
    with pytest.raises(ValueError, match="not allowed"):
        sources_of(target, {source})


def test_a_blocked_job_is_only_released_cancelled_or_failed() -> None:
    assert TRANSITIONS[JobState.BLOCKED] == {JobState.QUEUED, JobState.CANCELLED, JobState.FAILED}
    assert not can_transition(JobState.BLOCKED, JobState.RUNNING)
