"""``POST /v1/jobs/batch``: many jobs in one transaction, all or nothing."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from conveyor.clients.models import ApiClient
from conveyor.jobs.models import Job
from tests.api.problems import error_fields, problem_of

URL = "/v1/jobs/batch"


def submit(api: APIClient, body: Any) -> Any:
    return api.post(URL, body, format="json")


def test_a_batch_stores_every_job_and_answers_them_in_order(
    api: APIClient, me: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    items = [
        {"type": "demo.sleep", "params": {"seconds": 1}, "labels": {"n": "0"}},
        {"type": "demo.noop", "priority": 9, "labels": {"n": "1"}},
        {"type": "demo.noop", "delay_seconds": 600, "labels": {"n": "2"}},
    ]
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = submit(api, {"jobs": items})
    # then
    assert response.status_code == 201, response.content
    jobs = response.json()["jobs"]
    assert [j["labels"]["n"] for j in jobs] == ["0", "1", "2"]
    assert [j["state"] for j in jobs] == ["queued", "queued", "scheduled"]
    assert jobs[0]["params"] == {"seconds": 1.0, "steps": 10}
    assert jobs[1]["priority"] == 9
    assert jobs[2]["run_at"] is not None
    stored = {str(j.id): j for j in Job.objects.filter(client=me)}
    assert set(stored) == {j["id"] for j in jobs}
    # one publish callback, after the commit, for the queued ones
    assert len(callbacks) == 1


def test_one_invalid_item_refuses_the_whole_batch_with_indexed_errors(
    api: APIClient, me: ApiClient
) -> None:
    # given items broken in each way an item can be: shape, params, type, queue, not an object
    items: list[Any] = [
        {"type": "demo.noop"},
        {"type": "demo.sleep", "params": {"seconds": -1}},
        {"type": "demo.noop", "priority": 12},
        {"type": "no.such.type"},
        {"type": "demo.noop", "queue": "nowhere"},
        "not an object",
        {"type": "demo.noop", "colour": "red"},
    ]
    # when
    response = submit(api, {"jobs": items})
    # then nothing is stored and each error names its item
    body = problem_of(response, 400)
    assert error_fields(body) == {
        "jobs[1].params.seconds",
        "jobs[2].priority",
        "jobs[3].type",
        "jobs[4].queue",
        "jobs[5]",
        "jobs[6].colour",
    }
    assert "6 of the 7 jobs" in body["detail"]
    assert not Job.objects.filter(client=me).exists()


def test_an_empty_or_missing_list_is_400(api: APIClient) -> None:
    assert error_fields(problem_of(submit(api, {"jobs": []}), 400)) == {"jobs"}
    assert error_fields(problem_of(submit(api, {}), 400)) == {"jobs"}
    assert error_fields(problem_of(submit(api, {"jobs": {"type": "x"}}), 400)) == {"jobs"}


def test_more_than_1000_jobs_is_400(api: APIClient, me: ApiClient) -> None:
    response = submit(api, {"jobs": [{"type": "demo.noop"}] * 1001})

    assert error_fields(problem_of(response, 400)) == {"jobs"}
    assert not Job.objects.filter(client=me).exists()


def test_1000_jobs_take_a_few_queries(api: APIClient, me: ApiClient) -> None:
    # given the largest batch, which fits the default body limit
    items = [
        {"type": "demo.sleep", "params": {"seconds": 1}, "labels": {"n": str(i)}}
        for i in range(1000)
    ]
    assert len(json.dumps({"jobs": items})) < settings.CONVEYOR_MAX_BODY_BYTES
    # when (how fast it is, is for the benchmark: bench/, docs/performance.md)
    with CaptureQueriesContext(connection) as queries:
        response = submit(api, {"jobs": items})
    # then: no query per job (authentication, savepoint, the multi-row insert)
    assert response.status_code == 201, response.content[:500]
    assert len(response.json()["jobs"]) == 1000
    assert Job.objects.filter(client=me).count() == 1000
    assert len(queries) <= 10, [q["sql"][:80] for q in queries]


def test_a_batch_over_the_body_limit_is_413(api: APIClient, me: ApiClient) -> None:
    item = {"type": "demo.noop", "labels": {f"k{i}": "v" * 190 for i in range(20)}}
    body = {"jobs": [item] * 300}
    assert len(json.dumps(body)) > settings.CONVEYOR_MAX_BODY_BYTES

    problem_of(submit(api, body), 413)
    assert not Job.objects.filter(client=me).exists()


def test_items_sharing_an_envelope_keep_their_own_params(api: APIClient, me: ApiClient) -> None:
    # given items alike but for their params (the envelope validated once)
    envelope = {"type": "demo.noop", "queue": "default", "priority": 3, "labels": {"k": "v"}}
    items: list[dict[str, Any]] = [dict(envelope)]  # no params
    items += [{**envelope, "type": "demo.sleep", "params": {"seconds": n}} for n in range(5)]
    # when
    response = submit(api, {"jobs": items})
    # then each job has its own params and the shared envelope
    assert response.status_code == 201, response.content
    jobs = response.json()["jobs"]
    assert jobs[0]["params"] == {}
    assert [j["params"]["seconds"] for j in jobs[1:]] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert {(j["priority"], j["queue"], j["labels"]["k"]) for j in jobs} == {(3, "default", "v")}


def test_a_seen_envelope_still_refuses_what_differs(api: APIClient, me: ApiClient) -> None:
    # given items whose envelopes equal a valid one's to Python (True == 1, 1.0 == 1), and
    # one with that envelope whose params are not an object
    items: list[Any] = [
        {"type": "demo.noop", "priority": 1},
        {"type": "demo.noop", "priority": True},
        {"type": "demo.noop", "priority": 1, "params": "not an object"},
        {"type": "demo.noop", "labels": {"a": "b"}},
        {"type": "demo.noop", "labels": {"a": "b\x01c"}},
    ]
    # when
    response = submit(api, {"jobs": items})
    # then each is refused as a whole validation refuses it
    body = problem_of(response, 400)
    assert error_fields(body) == {"jobs[1].priority", "jobs[2].params", "jobs[4].labels.a"}
    assert not Job.objects.filter(client=me).exists()


def test_a_batch_counts_its_jobs_by_type_and_queue(api: APIClient, me: ApiClient) -> None:
    from prometheus_client import REGISTRY

    def submitted(job_type: str) -> float:
        labels = {"type": job_type, "queue": "default"}
        return REGISTRY.get_sample_value("conveyor_jobs_submitted_total", labels) or 0.0

    before = submitted("demo.noop"), submitted("demo.sleep")
    items = [{"type": "demo.noop"}] * 3 + [{"type": "demo.sleep", "params": {"seconds": 1}}]
    assert submit(api, {"jobs": items}).status_code == 201
    assert (submitted("demo.noop"), submitted("demo.sleep")) == (before[0] + 3, before[1] + 1)
