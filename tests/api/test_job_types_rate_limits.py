"""``GET /v1/job-types`` shows each job type's rate limit in force, and its queue's."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from conveyor.core.rates import parse_rate


def shown(api: APIClient) -> dict[str, dict[str, Any]]:
    response = api.get("/v1/job-types")
    assert response.status_code == 200, response.content
    return {t["name"]: t for t in response.json()["results"]}


def test_job_types_without_limits_show_none(api: APIClient, settings: Any) -> None:
    settings.CONVEYOR_TYPE_RATE_LIMITS = {}
    settings.CONVEYOR_QUEUE_RATE_LIMITS = {}

    types = shown(api)

    assert all(t["rate_limit"] is None for t in types.values())
    assert all(t["queue_rate_limit"] is None for t in types.values())


def test_the_settings_limits_are_shown(api: APIClient, settings: Any) -> None:
    # given a limit on http.request and one on the default queue
    settings.CONVEYOR_TYPE_RATE_LIMITS = {"http.request": parse_rate("600/m")}
    settings.CONVEYOR_QUEUE_RATE_LIMITS = {"default": parse_rate("50/10s")}
    # when
    types = shown(api)
    # then each shows in its canonical form, the queue's on every type of the queue
    assert types["http.request"]["rate_limit"] == "600/m"
    assert types["demo.noop"]["rate_limit"] is None
    assert types["demo.noop"]["queue_rate_limit"] == "50/10s"
    assert types["http.request"]["queue_rate_limit"] == "50/10s"
