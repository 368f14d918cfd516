"""Rate limits as written in a job type or in the settings: parsed, or a clear error."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest

from conveyor.core.rates import Rate, RateLimitSyntaxError, parse_rate, parse_rate_map
from conveyor.jobs.types import NoParams, build_job_type


@pytest.mark.parametrize(
    ("text", "jobs", "seconds", "shown"),
    [
        ("10/s", 10, 1, "10/s"),
        ("100/m", 100, 60, "100/m"),
        ("1000/h", 1000, 3600, "1000/h"),
        (" 5 / 10s ", 5, 10, "5/10s"),
        ("1/60s", 1, 60, "1/m"),
        ("3/90s", 3, 90, "3/90s"),
        ("2/2h", 2, 7200, "2/2h"),
    ],
)
def test_rates_are_jobs_per_period(text: str, jobs: int, seconds: int, shown: str) -> None:
    rate = parse_rate(text)

    assert rate == Rate(jobs=jobs, period=timedelta(seconds=seconds))
    assert str(rate) == shown
    assert rate.spacing == timedelta(seconds=seconds) / jobs


@pytest.mark.parametrize(
    "text", ["", "10", "10/", "/s", "10/d", "ten/s", "-1/s", "0/s", "10/0s", "1.5/s", "10/s/s"]
)
def test_a_bad_rate_says_how_to_write_one(text: str) -> None:
    with pytest.raises(RateLimitSyntaxError, match=re.escape(repr(text))):
        parse_rate(text)


def test_too_many_jobs_per_period_is_refused() -> None:
    with pytest.raises(RateLimitSyntaxError, match="1 to 100000"):
        parse_rate("1000000/s")


def test_a_map_names_each_limit() -> None:
    assert parse_rate_map("http=10/s, reports = 100/m,") == {
        "http": parse_rate("10/s"),
        "reports": parse_rate("100/m"),
    }
    assert parse_rate_map("") == {}
    assert parse_rate_map("http.request=none", allow_none=True) == {"http.request": None}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("http", "not <name>=<rate limit>"),
        ("=10/s", "not <name>=<rate limit>"),
        ("http=", "not <name>=<rate limit>"),
        ("http=10/s,http=5/s", "given twice"),
        ("http=fast", "'fast' is not a rate limit"),
        ("http=none", "'none' is not a rate limit"),
    ],
)
def test_a_bad_map_names_the_bad_entry(text: str, error: str) -> None:
    with pytest.raises(RateLimitSyntaxError, match=error):
        parse_rate_map(text)


def test_a_job_type_declares_its_rate_limit() -> None:
    assert build_job_type("test.rate_declared", rate_limit="10/s").rate_limit == parse_rate("10/s")

    with pytest.raises(ValueError, match=re.escape("'test.rate_bad': rate_limit '10 per s'")):
        build_job_type("test.rate_bad", params=NoParams, rate_limit="10 per s")


def settings_error(**env: str) -> str:
    """What a fresh process loading the settings prints (it must fail)."""
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "conveyor.config.settings.base", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0, result.stdout
    return result.stderr


def test_bad_settings_stop_the_process_with_the_variable_named() -> None:
    error = settings_error(CONVEYOR_QUEUE_RATE_LIMITS="http=10/x")

    assert "ImproperlyConfigured: CONVEYOR_QUEUE_RATE_LIMITS: '10/x' is not a rate limit" in error


def test_a_queue_limit_cannot_be_lifted_with_none() -> None:
    error = settings_error(CONVEYOR_QUEUE_RATE_LIMITS="default=none")

    assert "CONVEYOR_QUEUE_RATE_LIMITS: 'none' is not a rate limit" in error


def test_limits_on_unknown_job_types_or_queues_are_refused() -> None:
    script = (
        "import django; django.setup(); "
        "from conveyor.jobs.types import all_job_types; all_job_types()"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "conveyor.config.settings.base",
            "CONVEYOR_TYPE_RATE_LIMITS": "http.requests=10/s",
            "CONVEYOR_QUEUE_RATE_LIMITS": "defualt=10/s",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert "unknown job types ['http.requests']" in result.stderr
    assert "unknown queues ['defualt']" in result.stderr
