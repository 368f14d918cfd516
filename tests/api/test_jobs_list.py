"""``GET /v1/jobs``: filters, tenancy, cursor pagination, refused query parameters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from conveyor.clients.models import ApiClient
from conveyor.jobs.models import Job
from tests.api.problems import error_fields, problem_of
from tests.factories import ApiClientFactory, JobFactory

URL = "/v1/jobs"


def ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {job["id"] for job in response.json()["results"]}


def id_set(*jobs: Job) -> set[str]:
    return {str(job.id) for job in jobs}


def test_a_client_sees_only_its_own_jobs(api: APIClient, me: ApiClient) -> None:
    # given
    mine = JobFactory.create_batch(3, client=me)
    JobFactory.create_batch(2, client=ApiClientFactory.create())

    # when
    response = api.get(URL)

    # then
    assert ids(response) == id_set(*mine)
    assert response.json()["results"][0].keys() >= {"id", "state", "type", "progress"}


def test_the_list_is_newest_first(api: APIClient, me: ApiClient) -> None:
    now = timezone.now()
    old = JobFactory.create(client=me, created_at=now - timedelta(hours=1))
    new = JobFactory.create(client=me, created_at=now)

    response = api.get(URL)

    assert [j["id"] for j in response.json()["results"]] == [str(new.id), str(old.id)]


def test_filter_by_state_takes_a_comma_separated_list(api: APIClient, me: ApiClient) -> None:
    # given
    failed = JobFactory.create(client=me, failed=True)
    cancelled = JobFactory.create(client=me, cancelled=True)
    JobFactory.create(client=me)
    JobFactory.create(client=me, succeeded=True)

    # when / then
    assert ids(api.get(URL, {"state": "failed"})) == id_set(failed)
    assert ids(api.get(URL, {"state": "failed, cancelled"})) == id_set(failed, cancelled)


def test_filter_by_type_and_queue(api: APIClient, me: ApiClient) -> None:
    # given
    sleep = JobFactory.create(client=me, type="demo.sleep", params={"seconds": 1, "steps": 10})
    cpu = JobFactory.create(client=me, type="demo.cpu", params={"iterations": 1}, queue="other")
    noop = JobFactory.create(client=me)

    # when / then
    assert ids(api.get(URL, {"type": "demo.sleep"})) == id_set(sleep)
    assert ids(api.get(URL, {"type": "demo.sleep,demo.noop"})) == id_set(sleep, noop)
    assert ids(api.get(URL, {"queue": "other"})) == id_set(cpu)
    assert ids(api.get(URL, {"queue": "default", "type": "demo.cpu"})) == set()


def test_filter_by_one_label(api: APIClient, me: ApiClient) -> None:
    # given
    prod = JobFactory.create(client=me, labels={"env": "prod", "team": "a"})
    JobFactory.create(client=me, labels={"env": "dev"})
    JobFactory.create(client=me)

    # when
    response = api.get(URL, {"label": "env:prod"})

    # then
    assert ids(response) == id_set(prod)


def test_repeated_label_filters_must_all_match(api: APIClient, me: ApiClient) -> None:
    # given
    both = JobFactory.create(client=me, labels={"env": "prod", "team": "a"})
    JobFactory.create(client=me, labels={"env": "prod", "team": "b"})
    JobFactory.create(client=me, labels={"env": "dev", "team": "a"})

    # when
    response = api.get(URL, {"label": ["env:prod", "team:a"]})

    # then
    assert ids(response) == id_set(both)


def test_a_label_value_may_contain_colons(api: APIClient, me: ApiClient) -> None:
    job = JobFactory.create(client=me, labels={"url": "http://x"})

    assert ids(api.get(URL, {"label": "url:http://x"})) == id_set(job)


@pytest.mark.parametrize("key", ["123", "1_0", "app.kubernetes.io/name", "a-b.c"])
def test_a_label_filter_works_for_every_valid_key(api: APIClient, me: ApiClient, key: str) -> None:
    # given: keys of digits must not be read as JSON array indexes
    job = JobFactory.create(client=me, labels={key: "v"})
    JobFactory.create(client=me, labels={key: "w"})

    # when
    response = api.get(URL, {"label": f"{key}:v"})

    # then
    assert ids(response) == id_set(job)


def test_filter_by_created_range(api: APIClient, me: ApiClient) -> None:
    # given
    now = timezone.now().replace(microsecond=0)
    old = JobFactory.create(client=me, created_at=now - timedelta(days=2))
    mid = JobFactory.create(client=me, created_at=now - timedelta(days=1))
    new = JobFactory.create(client=me, created_at=now)
    after = (now - timedelta(days=1)).isoformat()
    before = now.isoformat()

    # when / then: created_after is inclusive, created_before exclusive
    assert ids(api.get(URL, {"created_after": after})) == id_set(mid, new)
    assert ids(api.get(URL, {"created_before": before})) == id_set(old, mid)
    assert ids(api.get(URL, {"created_after": after, "created_before": before})) == id_set(mid)


@pytest.mark.parametrize("same_time", [False, True], ids=["distinct times", "equal times"])
def test_cursor_pagination_walks_every_job_once(
    api: APIClient,
    me: ApiClient,
    same_time: bool,
) -> None:
    # given: 23 jobs; with equal created_at, the cursor has to break ties by id
    now = timezone.now()
    jobs = [
        JobFactory.create(client=me, created_at=now if same_time else now - timedelta(seconds=i))
        for i in range(23)
    ]
    JobFactory.create_batch(3, client=ApiClientFactory.create(), created_at=now)

    # when: follow "next" to the end, 5 at a time
    seen: list[str] = []
    url: str | None = f"{URL}?limit=5"
    pages = 0
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        page = response.json()
        assert len(page["results"]) <= 5
        seen.extend(j["id"] for j in page["results"])
        url = page["next"]
        pages += 1
        assert pages <= 10, "pagination does not end"

    # then: every job once, in order, no gaps
    assert pages == 5
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == id_set(*jobs)


def test_pagination_keeps_the_filters(api: APIClient, me: ApiClient) -> None:
    # given
    failed = JobFactory.create_batch(4, client=me, failed=True)
    JobFactory.create_batch(4, client=me)

    # when
    first = api.get(URL, {"state": "failed", "limit": "3"})
    next_url = first.json()["next"]
    second = api.get(next_url)

    # then
    assert parse_qs(urlsplit(next_url).query)["state"] == ["failed"]
    assert ids(first) | ids(second) == id_set(*failed)
    assert second.json()["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "failed"}, "status"),
        ({"page": "2"}, "page"),
        ({"state": "failed,exploded"}, "state"),
        ({"state": "FAILED"}, "state"),
        ({"label": "env"}, "label.0"),
        ({"label": ["a:b", "-bad:x"]}, "label.1"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"type": "a,,b"}, "type"),
        ({"queue": " ,default"}, "queue"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_unknown_or_bad_query_parameters_are_400(
    api: APIClient,
    query: dict[str, Any],
    field: str,
) -> None:
    response = api.get(URL, query)

    assert field in error_fields(problem_of(response, 400))


def test_a_garbled_cursor_is_refused(api: APIClient) -> None:
    response = api.get(URL, {"cursor": "not-a-cursor"})

    assert "cursor" in error_fields(problem_of(response, 400))


@pytest.mark.parametrize(
    "query",
    [{"type": ""}, {"type": ","}, {"queue": ""}, {"state": ""}, {"state": " , "}, {"label": ""}],
)
def test_an_empty_filter_is_refused_not_ignored(api: APIClient, query: dict[str, str]) -> None:
    # when a filter is given without a value
    response = api.get("/v1/jobs", query)

    # then the answer names it, rather than listing every job unfiltered
    assert response.status_code == 400, response.content
    (name,) = query
    assert [e["field"].split(".")[0] for e in response.json()["errors"]] == [name]
