"""A workflow's release on PostgreSQL: many dependencies ending at once release their
dependent once, and the reconciler settles a dependent a release missed."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from conveyor.clients.models import ApiClient
from conveyor.clients.services import api_client_create
from conveyor.jobs import retention
from conveyor.jobs.models import Job
from conveyor.jobs.states import JobState
from conveyor.workflows import retention as workflow_retention
from conveyor.workflows.models import Step, Workflow
from conveyor.workflows.services import workflow_create
from conveyor_worker import attempts, reconcile

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
