"""The lifecycle table itself: what may follow what."""

from __future__ import annotations

import pytest

from conveyor.jobs.states import FINAL_STATES, TRANSITIONS, JobState, can_transition, sources_of

S = JobState


@pytest.mark.parametrize("final", sorted(FINAL_STATES))
def test_final_states_only_leave_by_an_explicit_retry(final: str) -> None:
    assert TRANSITIONS[final] <= {S.QUEUED}
    assert not can_transition(final, S.RUNNING)


def test_a_succeeded_job_never_runs_again() -> None:
    assert TRANSITIONS[S.SUCCEEDED] == frozenset()


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.SCHEDULED, S.QUEUED),
        (S.QUEUED, S.RUNNING),
        (S.RUNNING, S.SUCCEEDED),
        (S.RUNNING, S.RETRYING),
        (S.RETRYING, S.QUEUED),
        (S.RUNNING, S.FAILED),
        (S.RUNNING, S.CANCELLING),
        (S.CANCELLING, S.CANCELLED),
        (S.QUEUED, S.CANCELLED),
        (S.SCHEDULED, S.CANCELLED),
        (S.RETRYING, S.CANCELLED),
        (S.QUEUED, S.SCHEDULED),
    ],
)
def test_design_transitions_are_allowed(source: str, target: str) -> None:
    assert can_transition(source, target)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.QUEUED, S.SUCCEEDED),
        (S.SCHEDULED, S.RUNNING),
        (S.RETRYING, S.RUNNING),
        (S.CANCELLED, S.RUNNING),
        (S.CANCELLING, S.QUEUED),
        (S.QUEUED, S.CANCELLING),
    ],
)
def test_shortcuts_are_refused(source: str, target: str) -> None:
    assert not can_transition(source, target)
    with pytest.raises(ValueError, match="not allowed"):
        sources_of(target, {source})
