"""The params of each built-in job type: good input normalized, bad input refused by field."""

from __future__ import annotations

from typing import Any

import pytest

from conveyor.core.errors import InvalidInput
from conveyor.jobs.services import validate_params
from conveyor.jobs.types import JobType, all_job_types, get_job_type


def spec(name: str) -> JobType:
    found = get_job_type(name)
    assert found is not None, name
    return found


def test_the_built_ins_are_registered() -> None:
    names = {t.name for t in all_job_types()}

    assert names >= {"demo.sleep", "demo.cpu", "demo.noop", "http.request"}
    assert get_job_type("demo.nope") is None


GOOD: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("demo.sleep", {"seconds": 2}, {"seconds": 2.0, "steps": 10}),
    ("demo.sleep", {"seconds": 0, "steps": 1}, {"seconds": 0.0, "steps": 1}),
    ("demo.sleep", {"seconds": 3600, "steps": 1000}, {"seconds": 3600.0, "steps": 1000}),
    ("demo.cpu", {"iterations": 1}, {"iterations": 1}),
    ("demo.cpu", {"iterations": 100_000_000}, {"iterations": 100_000_000}),
    ("demo.noop", {}, {}),
    (
        "http.request",
        {"url": "http://example.com/x?y=1"},
        {
            "url": "http://example.com/x?y=1",
            "method": "GET",
            "headers": {},
            "body": None,
            "timeout_seconds": 30.0,
            "expect_status": None,
        },
    ),
    (
        "http.request",
        {
            "url": "https://example.com",
            "method": "POST",
            "headers": {"X-Token": "t"},
            "body": {"a": [1]},
            "timeout_seconds": 300,
            "expect_status": [200, 202],
        },
        {
            "url": "https://example.com/",
            "method": "POST",
            "headers": {"X-Token": "t"},
            "body": {"a": [1]},
            "timeout_seconds": 300.0,
            "expect_status": [200, 202],
        },
    ),
    (
        "http.request",
        {"url": "https://example.com", "body": "raw text"},
        {
            "url": "https://example.com/",
            "method": "GET",
            "headers": {},
            "body": "raw text",
            "timeout_seconds": 30.0,
            "expect_status": None,
        },
    ),
]


@pytest.mark.parametrize(
    ("name", "params", "normalized"), GOOD, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(GOOD)]
)
def test_good_params_are_normalized(
    name: str,
    params: dict[str, Any],
    normalized: dict[str, Any],
) -> None:
    assert validate_params(spec(name), params) == normalized


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("demo.sleep", {}, "params.seconds"),
    ("demo.sleep", {"seconds": -0.1}, "params.seconds"),
    ("demo.sleep", {"seconds": 3601}, "params.seconds"),
    ("demo.sleep", {"seconds": "a while"}, "params.seconds"),
    ("demo.sleep", {"seconds": 1, "steps": 0}, "params.steps"),
    ("demo.sleep", {"seconds": 1, "steps": 1001}, "params.steps"),
    ("demo.sleep", {"seconds": 1, "extra": 1}, "params.extra"),
    ("demo.cpu", {"iterations": 0}, "params.iterations"),
    ("demo.cpu", {"iterations": 100_000_001}, "params.iterations"),
    ("demo.cpu", {"iterations": 1.5}, "params.iterations"),
    ("demo.noop", {"anything": True}, "params.anything"),
    ("http.request", {}, "params.url"),
    ("http.request", {"url": "not a url"}, "params.url"),
    ("http.request", {"url": "file:///etc/passwd"}, "params.url"),
    ("http.request", {"url": "https://e.com", "method": "TRACE"}, "params.method"),
    (
        "http.request",
        {"url": "https://e.com", "headers": {"Content-Length": "1"}},
        "params.headers",
    ),
    (
        "http.request",
        {"url": "https://e.com", "headers": {"transfer-encoding": "x"}},
        "params.headers",
    ),
    ("http.request", {"url": "https://e.com", "timeout_seconds": 0}, "params.timeout_seconds"),
    ("http.request", {"url": "https://e.com", "timeout_seconds": 301}, "params.timeout_seconds"),
    ("http.request", {"url": "https://e.com", "expect_status": []}, "params.expect_status"),
    ("http.request", {"url": "https://e.com", "expect_status": [99]}, "params.expect_status"),
    ("http.request", {"url": "https://e.com", "expect_status": [600]}, "params.expect_status"),
    ("http.request", {"url": "https://e.com", "headers": {"a": 1}}, "params.headers.a"),
]


@pytest.mark.parametrize(
    ("name", "params", "field"), BAD, ids=[f"{n}-{f}-{i}" for i, (n, _, f) in enumerate(BAD)]
)
def test_bad_params_are_refused_naming_the_field(
    name: str,
    params: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_params(spec(name), params)

    fields = [e["field"] for e in raised.value.errors]
    assert field in fields
    assert all(e["message"] and e["code"] for e in raised.value.errors)


def test_params_models_are_immutable() -> None:
    params = spec("demo.sleep").params.model_validate({"seconds": 1})

    with pytest.raises(ValueError, match="frozen"):
        params.seconds = 2  # type: ignore[attr-defined]
