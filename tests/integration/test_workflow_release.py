"""A workflow's release on PostgreSQL: many dependencies ending at once release their
dependent once, and the reconciler settles a dependent a release missed."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from conveyor.clients.models import ApiClient
from conveyor.clients.services import api_client_create
from conveyor.core.errors import InvalidInput
from conveyor.jobs import retention
from conveyor.jobs.models import Job
from conveyor.jobs.services import job_create
from conveyor.jobs.states import JobState
from conveyor.schedules.services import schedule_create, schedule_fire
from conveyor.schedules.timing import Interval
from conveyor.workflows import retention as workflow_retention
from conveyor.workflows.models import Step, Workflow
from conveyor.workflows.services import workflow_create
from conveyor_worker import attempts, reconcile
from conveyor_worker.context import RunContext
from conveyor_worker.execute import run_job

pytestmark = pytest.mark.django_db(transaction=True)
PARENTS = 8


def a_client() -> ApiClient:
    client, _ = api_client_create(name=f"wf-{uuid.uuid4().hex[:6]}", scopes=["jobs:write"])
    return client


def fan_in(client: ApiClient, parents: int) -> tuple[list[Job], Job]:
    items: list[dict[str, Any]] = [{"id": f"p{n}", "type": "demo.noop"} for n in range(parents)]
    items.append(
        {
            "id": "join",
            "type": "demo.gather",
            "depends_on": [f"p{n}" for n in range(parents)],
            "results_param": "inputs",
        }
    )
    workflow = workflow_create(client=client, items=items)
    steps = {s.name: s.job_id for s in Step.objects.filter(workflow=workflow)}
    jobs = {job.pk: job for job in Job.objects.filter(workflow_id=workflow.pk)}
    return [jobs[steps[f"p{n}"]] for n in range(parents)], jobs[steps["join"]]


def succeed_in_thread(lease: attempts.Lease, barrier: threading.Barrier) -> bool:
    try:
        barrier.wait(timeout=10)
        return attempts.record_success(lease, {"by": lease.worker})
    finally:
        connection.close()


@pytest.mark.parametrize("round_", range(5))
def test_parents_ending_at_once_release_their_fan_in_once(round_: int) -> None:
    # given a fan-in of eight parents, each claimed by its own worker
    parents, join = fan_in(a_client(), PARENTS)
    leases = [attempts.claim(p.pk, worker=f"w{n}", message_id=None) for n, p in enumerate(parents)]
    assert all(leases)
    barrier = threading.Barrier(PARENTS)
    # when every outcome commits at the same moment, each on its own connection
    with ThreadPoolExecutor(PARENTS) as pool:
        ended = list(pool.map(lambda lease: succeed_in_thread(lease, barrier), leases))
    # then the fan-in is released (not left blocked by outcomes that each saw the others
    # still running), with every parent's result
    assert ended == [True] * PARENTS
    join.refresh_from_db()
    assert join.state == JobState.QUEUED
    assert sorted(r["result"]["by"] for r in join.params["inputs"].values()) == sorted(
        f"w{n}" for n in range(PARENTS)
    )


def test_the_reconciler_settles_a_blocked_job_whose_dependencies_ended() -> None:
    # given a fan-in whose parents ended without their release (rows changed by hand)
    parents, join = fan_in(a_client(), 3)
    Job.objects.filter(pk__in=[p.pk for p in parents]).update(state=JobState.SUCCEEDED)
    # when the reconciler runs
    report = reconcile.reconcile(depth_of=lambda queue: None)
    # then it releases the fan-in, once
    join.refresh_from_db()
    assert join.state == JobState.QUEUED
    assert report.settled == 1
    assert reconcile.reconcile(depth_of=lambda queue: None).settled == 0


def test_the_reconciler_finishes_a_workflow_whose_jobs_all_ended() -> None:
    parents, join = fan_in(a_client(), 2)
    Job.objects.filter(pk__in=[p.pk for p in [*parents, join]]).update(state=JobState.SUCCEEDED)
    reconcile.reconcile(depth_of=lambda queue: None)
    assert join.workflow_id is not None
    assert Workflow.objects.get(pk=join.workflow_id).state == "succeeded"


def test_retention_keeps_a_running_workflows_jobs_and_deletes_a_finished_one_whole() -> None:
    # given two workflows whose parents finished long ago: one still running, one finished
    client = a_client()
    now = timezone.now()
    long_ago = now - timedelta(days=30)
    running_parents, running_join = fan_in(client, 2)
    done_parents, done_join = fan_in(client, 2)
    old = [p.pk for p in [*running_parents, *done_parents, done_join]]
    running_id, done_id = running_join.workflow_id, done_join.workflow_id
    assert running_id is not None
    assert done_id is not None
    Job.objects.filter(pk__in=old).update(state=JobState.SUCCEEDED, finished_at=long_ago)
    Workflow.objects.filter(pk=done_id).update(state="succeeded", finished_at=long_ago)
    # when retention runs
    retention.delete_finished(older_than=timedelta(days=7), now=now, batch_size=2)
    workflow_retention.delete_finished(older_than=timedelta(days=7), now=now, batch_size=2)
    # then the running workflow keeps every job (its join still waits for their results)
    assert Job.objects.filter(workflow_id=running_id).count() == 3
    # and the finished one is gone, with its jobs, steps and dependencies
    assert not Workflow.objects.filter(pk=done_id).exists()
    assert not Job.objects.filter(workflow_id=done_id).exists()
    assert not Step.objects.filter(workflow_id=done_id).exists()


# ---- dynamic fan-out --------------------------------------------------------------------


def fan_out_job(client: ApiClient, *, parts: int, max_attempts: int = 3) -> Job:
    return job_create(
        client=client,
        type="demo.fanout",
        params={"parts": parts, "seconds": 0},
        max_attempts=max_attempts,
    )


def test_a_handler_spawns_its_children_and_a_fan_in_with_its_success() -> None:
    # given
    parent = fan_out_job(a_client(), parts=3)
    # when the runner runs it
    assert run_job(str(parent.pk), message_id=None, worker="w") == "succeeded"
    # then its spawns are a workflow: three parts queued, a gather waiting for them
    spawned = {s.name: s.job_id for s in Step.objects.all()}
    assert sorted(spawned) == ["gather", "part-0", "part-1", "part-2"]
    jobs = {job.pk: job for job in Job.objects.filter(pk__in=spawned.values())}
    assert jobs[spawned["gather"]].state == JobState.BLOCKED
    assert {jobs[spawned[f"part-{n}"]].state for n in range(3)} == {JobState.QUEUED}
    # and once the parts have run, the gather runs, once, with their results
    for n in range(3):
        assert run_job(str(spawned[f"part-{n}"]), message_id=None, worker="w") == "succeeded"
    assert run_job(str(spawned["gather"]), message_id=None, worker="w") == "succeeded"
    gather = Job.objects.get(pk=spawned["gather"])
    assert gather.result == {"inputs": 3, "succeeded": 3}
    assert Workflow.objects.get().state == "succeeded"


def test_an_attempt_that_fails_spawns_nothing_and_its_retry_spawns_once() -> None:
    # given a fan-out whose first outcome cannot be recorded as a success: the attempt
    # lost its lease (another worker took the job over) before it ended
    parent = fan_out_job(a_client(), parts=2)
    lease = attempts.claim(parent.pk, worker="w1", message_id=None)
    assert lease is not None
    ctx = RunContext(lease)
    ctx.spawn("a", "demo.noop")
    Job.objects.filter(pk=parent.pk).update(lease_token=uuid.uuid4())
    # when its success is recorded
    assert not attempts.record_success(lease, None, then=ctx.spawns.store)
    # then nothing was spawned
    assert not Step.objects.exists()
    assert Job.objects.count() == 1
    # when the job runs again (its lease lapsed) and succeeds
    Job.objects.filter(pk=parent.pk).update(state=JobState.QUEUED, lease_token=None)
    assert run_job(str(parent.pk), message_id=None, worker="w2") == "succeeded"
    # then its spawns are there once
    assert Step.objects.count() == 3
    # and a duplicate message of the finished job runs nothing, spawns nothing
    assert run_job(str(parent.pk), message_id=None, worker="w3") is None
    assert Step.objects.count() == 3


def test_a_bad_spawn_fails_the_attempt_like_any_error() -> None:
    parent = job_create(client=a_client(), type="demo.noop", params={}, max_attempts=1)
    lease = attempts.claim(parent.pk, worker="w", message_id=None)
    assert lease is not None
    ctx = RunContext(lease)
    with pytest.raises(InvalidInput, match="depends_on names no earlier spawn"):
        ctx.spawn("join", "demo.noop", depends_on=["nothing"])
    with pytest.raises(InvalidInput):
        ctx.spawn("x", "demo.sleep", {"seconds": "soon"})


# ---- a schedule starting a workflow -------------------------------------------------------

TEMPLATE: list[dict[str, Any]] = [
    {"id": "extract", "type": "demo.noop"},
    {"id": "load", "type": "demo.gather", "depends_on": ["extract"], "results_param": "inputs"},
]


def test_a_schedule_refuses_an_invalid_workflow_template_with_field_errors() -> None:
    bad = [{"id": "a", "type": "demo.noop", "depends_on": ["nope"]}]
    with pytest.raises(InvalidInput) as refused:
        schedule_create(
            client=a_client(),
            name="nightly",
            when=Interval.of(3600),
            job={"type": "workflow.start", "params": {"jobs": bad}},
        )
    assert [e["field"] for e in refused.value.errors] == ["job.params.jobs[0].depends_on[0]"]


def test_each_run_of_a_schedule_starts_the_workflow_of_its_template() -> None:
    # given a schedule of workflow.start, fired
    client = a_client()
    schedule = schedule_create(
        client=client,
        name="nightly",
        when=Interval.of(1),
        job={"type": "workflow.start", "params": {"jobs": TEMPLATE}},
        now=timezone.now() - timedelta(seconds=5),
    )
    run = schedule_fire(schedule_id=schedule.pk)
    assert run is not None
    assert run.job_id is not None
    # when its job runs
    assert run_job(str(run.job_id), message_id=None, worker="w") == "succeeded"
    # then a workflow of the template runs, labelled with the schedule
    workflow = Workflow.objects.get(client=client)
    assert workflow.labels["conveyor/schedule"] == str(schedule.pk)
    steps = {s.name: s.job_id for s in Step.objects.filter(workflow=workflow)}
    assert sorted(steps) == ["extract", "load"]
    assert run_job(str(steps["extract"]), message_id=None, worker="w") == "succeeded"
    assert run_job(str(steps["load"]), message_id=None, worker="w") == "succeeded"
    workflow.refresh_from_db()
    assert workflow.state == "succeeded"


def test_an_outcome_that_does_not_commit_releases_nothing() -> None:
    """A worker killed mid-outcome: its transaction rolls back, and with it the release;
    the job runs again and its next outcome releases."""
    # given a chain's first job, claimed
    workflow = workflow_create(
        client=a_client(),
        items=[
            {"id": "a", "type": "demo.noop"},
            {"id": "b", "type": "demo.noop", "depends_on": ["a"]},
        ],
    )
    steps = {s.name: s.job_id for s in Step.objects.filter(workflow=workflow)}
    lease = attempts.claim(steps["a"], worker="w", message_id=None)
    assert lease is not None

    # when its success is recorded in a transaction that never commits
    def die_before_the_commit() -> None:
        with transaction.atomic():
            assert attempts.record_success(lease, None)
            raise RuntimeError("the worker died before the commit")

    with pytest.raises(RuntimeError):
        die_before_the_commit()
    # then nothing changed: a still runs, b still waits
    assert Job.objects.get(pk=steps["a"]).state == JobState.RUNNING
    assert Job.objects.get(pk=steps["b"]).state == JobState.BLOCKED
    # and the outcome that commits releases b
    assert attempts.record_success(lease, None)
    assert Job.objects.get(pk=steps["b"]).state == JobState.QUEUED
