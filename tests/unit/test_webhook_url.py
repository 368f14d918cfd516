"""``webhook_url`` on a submission: http(s) URLs with a host, nothing else."""

from __future__ import annotations

import pytest

from conveyor.jobs.serializers import JobCreateInput


def errors_of(url: object) -> list[str]:
    data = JobCreateInput(data={"type": "demo.noop", "webhook_url": url})
    data.is_valid()
    return [str(e) for e in data.errors.get("webhook_url", [])]


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/hooks/conveyor",
        "http://receiver.jobs.svc.cluster.local:8080/done?source=conveyor",
        "http://127.0.0.1:9000/hook",
        "http://[::1]:9000/hook",
        "https://example.com",
    ],
)
def test_a_http_or_https_url_is_accepted(url: str) -> None:
    assert errors_of(url) == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/x", "http:// or https://"),
        ("example.com/hook", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("https:///path-only", "needs a host"),
        ("https://user:pw@example.com/", "credentials"),
        ("https://example.com/a b", "spaces"),
        ("https://example.com/\nx", "spaces"),
        ("https://example.com:99999/", "Not a valid URL"),
        ("https://example.com:0/", "Port 0"),
        ("https://example.com/#frag", "fragment"),
        ("", "blank"),
        ("https://example.com/" + "a" * 2000, "2000"),
        (42, "http:// or https://"),
    ],
)
def test_anything_else_is_a_clear_field_error(url: object, message: str) -> None:
    errors = errors_of(url)

    assert len(errors) == 1, errors
    assert message in errors[0]


def test_no_webhook_url_is_fine() -> None:
    data = JobCreateInput(data={"type": "demo.noop"})

    assert data.is_valid(), data.errors
    assert "webhook_url" not in data.validated_data
