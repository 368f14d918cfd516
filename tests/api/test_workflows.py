"""``/v1/workflows``: submit a DAG of jobs, see it, cancel it, retry it.

The jobs' outcomes are recorded as a worker records them (``conveyor_worker.attempts``),
so the release runs in the outcome's own transaction, as it does on a worker.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from conveyor.clients.models import ApiClient
from conveyor.jobs.models import Job
from conveyor.queues.selectors import count_queues, stats_cache
from conveyor.workflows.models import Workflow
from conveyor_worker import attempts
from tests.api.problems import error_fields, problem_of

URL = "/v1/workflows"


def submit(api: APIClient, jobs: list[dict[str, Any]], **extra: Any) -> Any:
    return api.post(URL, {"jobs": jobs, **extra}, format="json")


def created(api: APIClient, jobs: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    response = submit(api, jobs, **extra)
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def job_of(body: dict[str, Any], name: str) -> Job:
    (step,) = [s for s in body["jobs"] if s["id"] == name]
    return Job.objects.get(pk=step["job"]["id"])


def states(api: APIClient, body: dict[str, Any]) -> dict[str, str]:
    got = api.get(f"{URL}/{body['id']}").json()
    return {"workflow": got["state"], **{s["id"]: s["job"]["state"] for s in got["jobs"]}}


def succeed(job: Job, result: Any = None) -> None:
    lease = attempts.claim(job.id, worker="test-worker", message_id=None)
    assert lease is not None, f"{job} could not be claimed"
    assert attempts.record_success(lease, result)


def fail(job: Job) -> None:
    lease = attempts.claim(job.id, worker="test-worker", message_id=None)
    assert lease is not None, f"{job} could not be claimed"
    assert attempts.record_failure(lease, attempts.Failure("RuntimeError", "boom"))


NOOP: dict[str, Any] = {"type": "demo.noop"}
CHAIN: list[dict[str, Any]] = [
    {"id": "a", **NOOP},
    {"id": "b", **NOOP, "depends_on": ["a"]},
    {"id": "c", **NOOP, "depends_on": ["b"]},
]
CHORD: list[dict[str, Any]] = [
    *({"id": f"part-{n}", **NOOP} for n in range(3)),
    {
        "id": "join",
        "type": "demo.gather",
        "depends_on": [f"part-{n}" for n in range(3)],
        "results_param": "inputs",
    },
]


@pytest.fixture(autouse=True)
def _no_publish(django_capture_on_commit_callbacks: Any) -> Any:
    """Messages stay unsent: these tests read rows, no worker runs."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        yield callbacks


# ---- create and read --------------------------------------------------------------------


def test_a_workflow_queues_its_roots_and_blocks_the_rest(api: APIClient, me: ApiClient) -> None:
    # when
    body = created(api, CHAIN, name="nightly", labels={"team": "data"})
    # then
    assert body["state"] == "running"
    assert (body["name"], body["labels"]) == ("nightly", {"team": "data"})
    assert [(s["id"], s["depends_on"], s["job"]["state"]) for s in body["jobs"]] == [
        ("a", [], "queued"),
        ("b", ["a"], "blocked"),
        ("c", ["b"], "blocked"),
    ]
    assert body["job_states"] == {"blocked": 2, "queued": 1}
    assert states(api, body) == {
        "workflow": "running",
        "a": "queued",
        "b": "blocked",
        "c": "blocked",
    }
    # a blocked job is visible as a job, and never counted as a queue's backlog
    blocked = job_of(body, "b")
    assert api.get(f"/v1/jobs/{blocked.id}").json()["state"] == "blocked"
    default = count_queues()["default"]
    assert (default.backlog, default.blocked) == (1, 2)


@pytest.mark.parametrize(
    ("jobs", "fields"),
    [
        ([{"id": "a", **NOOP}, {"id": "a", **NOOP}], ["jobs[1].id"]),
        ([{"id": "a", **NOOP, "depends_on": ["nope"]}], ["jobs[0].depends_on[0]"]),
        ([{"id": "a", **NOOP, "depends_on": ["a"]}], ["jobs[0].depends_on[0]"]),
        (
            [
                {"id": "a", **NOOP, "depends_on": ["c"]},
                {"id": "b", **NOOP, "depends_on": ["a"]},
                {"id": "c", **NOOP, "depends_on": ["b"]},
            ],
            ["jobs[0].depends_on"],
        ),
        (
            [{"id": "a", "type": "demo.sleep", "params": {"seconds": "x"}}],
            ["jobs[0].params.seconds"],
        ),
        ([{"id": "a", **NOOP, "results_param": "inputs"}], ["jobs[0].results_param"]),
        ([{"id": "bad id", **NOOP}], ["jobs[0].id"]),
    ],
    ids=["duplicate-id", "unknown-reference", "self", "cycle", "params", "results-alone", "id"],
)
def test_an_invalid_workflow_is_refused_with_field_errors_and_stores_nothing(
    api: APIClient, jobs: list[dict[str, Any]], fields: list[str]
) -> None:
    # when
    response = submit(api, jobs)
    # then
    problem = problem_of(response, 400)
    assert error_fields(problem) == set(fields), problem
    assert not Workflow.objects.exists()
    assert not Job.objects.exists()


def test_a_cycle_is_named_in_the_error(api: APIClient) -> None:
    jobs = [
        {"id": "a", **NOOP, "depends_on": ["b"]},
        {"id": "b", **NOOP, "depends_on": ["a"]},
    ]
    problem = problem_of(submit(api, jobs), 400)
    assert "a -> b -> a" in problem["errors"][0]["message"]


def test_another_clients_workflow_is_not_found(api: APIClient, make_api: Any) -> None:
    body = created(api, CHAIN)
    other, _ = make_api()
    problem_of(other.get(f"{URL}/{body['id']}"), 404)
    problem_of(other.post(f"{URL}/{body['id']}/cancel"), 404)


def test_a_workflow_of_a_thousand_jobs_is_one_request(api: APIClient) -> None:
    jobs = [{"id": f"p{n}", **NOOP} for n in range(999)]
    jobs.append({"id": "join", **NOOP, "depends_on": [f"p{n}" for n in range(999)]})
    body = created(api, jobs)
    assert body["job_states"] == {"blocked": 1, "queued": 999}


def test_a_workflow_counts_against_the_clients_cap(api: APIClient, me: ApiClient) -> None:
    me.max_unfinished_jobs = 2
    me.save()
    problem_of(submit(api, CHAIN), 429)
    assert not Job.objects.exists()


def test_metrics_show_workflows_by_state_and_blocked_jobs(
    api: APIClient, anonymous: APIClient
) -> None:
    # given: one workflow running, one succeeded
    created(api, CHAIN)
    done = created(api, [{"id": "only", **NOOP}])
    succeed(job_of(done, "only"))
    stats_cache().clear()
    # when
    text = anonymous.get("/metrics").content.decode()
    # then
    assert 'conveyor_workflows{state="running"} 1.0' in text
    assert 'conveyor_workflows{state="succeeded"} 1.0' in text
    assert 'conveyor_queue_blocked{queue="default"} 2.0' in text
    assert "conveyor_workflows_started_total" in text


# ---- release ----------------------------------------------------------------------------


def test_a_chain_releases_each_job_when_the_one_before_succeeds(api: APIClient) -> None:
    body = created(api, CHAIN)
    succeed(job_of(body, "a"))
    assert states(api, body) == {
        "workflow": "running",
        "a": "succeeded",
        "b": "queued",
        "c": "blocked",
    }
    succeed(job_of(body, "b"))
    succeed(job_of(body, "c"))
    got = api.get(f"{URL}/{body['id']}").json()
    assert got["state"] == "succeeded"
    assert got["finished_at"] is not None


def test_a_fan_in_is_released_once_the_last_part_succeeds_with_their_results(
    api: APIClient,
) -> None:
    body = created(api, CHORD)
    succeed(job_of(body, "part-0"), {"n": 0})
    succeed(job_of(body, "part-1"), {"n": 1})
    assert states(api, body)["join"] == "blocked"
    succeed(job_of(body, "part-2"), {"n": 2})
    join = job_of(body, "join")
    assert join.state == "queued"
    assert join.params["inputs"] == {
        f"part-{n}": {"state": "succeeded", "result": {"n": n}} for n in range(3)
    }


def test_a_failed_dependency_cancels_what_waits_for_it_transitively(api: APIClient) -> None:
    body = created(api, CHAIN)
    fail(job_of(body, "a"))
    got = api.get(f"{URL}/{body['id']}").json()
    assert [s["job"]["state"] for s in got["jobs"]] == ["failed", "cancelled", "cancelled"]
    assert got["jobs"][1]["job"]["error"]["type"] == "DependencyFailed"
    assert got["state"] == "failed"


def test_run_anyway_releases_with_the_failure_in_the_input(api: APIClient) -> None:
    jobs = [
        {"id": "ok", **NOOP},
        {"id": "bad", **NOOP},
        {
            "id": "join",
            "type": "demo.gather",
            "depends_on": ["ok", "bad"],
            "results_param": "inputs",
            "on_dependency_failure": "run",
        },
    ]
    body = created(api, jobs)
    fail(job_of(body, "bad"))
    assert job_of(body, "join").state == "blocked"  # "ok" has not ended yet
    succeed(job_of(body, "ok"), 1)
    join = job_of(body, "join")
    assert join.state == "queued"
    assert join.params["inputs"]["bad"] == {
        "state": "failed",
        "error": {"type": "RuntimeError", "message": "boom"},
    }


def test_results_that_do_not_fit_the_job_type_fail_it_at_its_release(api: APIClient) -> None:
    jobs = [
        {"id": "a", **NOOP},
        {
            "id": "b",
            "type": "demo.sleep",
            "params": {"steps": 1},
            "depends_on": ["a"],
            "results_param": "seconds",
        },
    ]
    body = created(api, jobs)
    succeed(job_of(body, "a"))
    b = job_of(body, "b")
    assert b.state == "failed"
    assert b.error_type == "InvalidDependencyResults"
    assert "params.seconds" in b.error_message
    assert api.get(f"{URL}/{body['id']}").json()["state"] == "failed"


# ---- cancel -----------------------------------------------------------------------------


def test_cancel_ends_what_has_not_ended_and_the_workflow_ends_cancelled(api: APIClient) -> None:
    # given: a running, the rest queued or blocked
    body = created(api, CHORD)
    lease = attempts.claim(job_of(body, "part-0").id, worker="w", message_id=None)
    assert lease is not None
    # when
    response = api.post(f"{URL}/{body['id']}/cancel")
    # then
    assert response.status_code == 200, response.content
    got = response.json()
    assert got["state"] == "running"  # part-0's worker has not stopped yet
    assert got["cancel_requested_at"] is not None
    assert [s["job"]["state"] for s in got["jobs"]] == [
        "cancelling",
        "cancelled",
        "cancelled",
        "cancelled",
    ]
    # when: the worker stops part-0
    assert attempts.record_cancelled(lease)
    # then
    assert api.get(f"{URL}/{body['id']}").json()["state"] == "cancelled"
    problem_of(api.post(f"{URL}/{body['id']}/cancel"), 409)


# ---- retry ------------------------------------------------------------------------------


def test_retry_of_a_failed_job_releases_its_dependents_again(api: APIClient) -> None:
    # given: a failed, b and c cancelled by it
    body = created(api, CHAIN)
    fail(job_of(body, "a"))
    # when
    response = api.post(f"/v1/jobs/{job_of(body, 'a').id}/retry")
    # then
    assert response.status_code == 200, response.content
    assert states(api, body) == {
        "workflow": "running",
        "a": "queued",
        "b": "blocked",
        "c": "blocked",
    }
    succeed(job_of(body, "a"))
    succeed(job_of(body, "b"))
    succeed(job_of(body, "c"))
    assert states(api, body)["workflow"] == "succeeded"


def test_retry_of_a_workflow_runs_its_failed_and_cancelled_jobs_again(api: APIClient) -> None:
    # given: a cancelled workflow
    body = created(api, CHAIN)
    succeed(job_of(body, "a"))
    assert api.post(f"{URL}/{body['id']}/cancel").status_code == 200
    assert states(api, body)["workflow"] == "cancelled"
    # when
    response = api.post(f"{URL}/{body['id']}/retry")
    # then
    assert response.status_code == 200, response.content
    assert states(api, body) == {
        "workflow": "running",
        "a": "succeeded",
        "b": "queued",
        "c": "blocked",
    }
    problem_of(api.post(f"{URL}/{body['id']}/retry"), 409)
    succeed(job_of(body, "b"))
    succeed(job_of(body, "c"))
    assert states(api, body)["workflow"] == "succeeded"


def test_a_retried_dependent_waits_for_a_dependency_that_has_not_succeeded(
    api: APIClient,
) -> None:
    body = created(api, CHAIN)
    assert api.post(f"{URL}/{body['id']}/cancel").status_code == 200
    # when: only b is retried, a is still cancelled
    api.post(f"/v1/jobs/{job_of(body, 'b').id}/retry")
    # then: b is cancelled again by a's end, not run
    assert job_of(body, "b").state == "cancelled"


# ---- admin ------------------------------------------------------------------------------


def test_the_admin_lists_a_workflow_shows_its_jobs_and_cancels_it(
    api: APIClient, admin_client: Any
) -> None:
    # given
    body = created(api, CHAIN, name="nightly")
    # when / then: the list and the page show it, with each job's state
    listed = admin_client.get("/admin/workflows/workflow/", {"state__exact": "running"})
    assert listed.status_code == 200
    assert "nightly" in listed.content.decode()
    page = admin_client.get(f"/admin/workflows/workflow/{body['id']}/change/").content.decode()
    assert "blocked" in page
    assert "queued" in page
    # when: an operator cancels it
    response = admin_client.post(
        "/admin/workflows/workflow/",
        {"action": "cancel_workflows", "_selected_action": [body["id"]], "index": 0},
        follow=True,
    )
    # then: through the service, as the API's cancel
    assert response.status_code == 200
    assert states(api, body) == {
        "workflow": "cancelled",
        "a": "cancelled",
        "b": "cancelled",
        "c": "cancelled",
    }
