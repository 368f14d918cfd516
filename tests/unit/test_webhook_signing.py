"""The webhook signature, and the receiver snippet of docs/webhooks.md that checks it."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from conveyor.webhooks.signing import signature, signature_header
from conveyor_worker.deliveries import Verdict
from conveyor_worker.webhooks import verdict_of
from tests.webhooks import documented_snippet

SECRET = "whsec_test-secret"
BODY = b'{"event":"job.succeeded","id":"4b7c"}'
NOW = 1_800_000_000


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1800000000." + BODY, hashlib.sha256).hexdigest()

    assert signature(secret=SECRET, timestamp=NOW, body=BODY) == expected
    assert signature_header(secret=SECRET, timestamp=NOW, body=BODY) == f"t={NOW},v1={expected}"


def test_the_documented_snippet_accepts_a_fresh_signature() -> None:
    snippet = documented_snippet()
    header = signature_header(secret=SECRET, timestamp=NOW, body=BODY)

    snippet.verify(BODY, header, SECRET, now=NOW + 299)  # no exception


@pytest.mark.parametrize(
    ("body", "header", "secret", "now"),
    [
        pytest.param(BODY + b" ", None, SECRET, NOW, id="body-changed"),
        pytest.param(BODY, None, "whsec_other", NOW, id="other-secret"),
        pytest.param(BODY, None, SECRET, NOW + 301, id="too-old"),
        pytest.param(BODY, None, SECRET, NOW - 301, id="from-the-future"),
        pytest.param(BODY, "v1=abc", SECRET, NOW, id="no-timestamp"),
        pytest.param(BODY, "t=soon,v1=abc", SECRET, NOW, id="bad-timestamp"),
        pytest.param(BODY, f"t={NOW}", SECRET, NOW, id="no-signature"),
        pytest.param(BODY, "", SECRET, NOW, id="empty-header"),
    ],
)
def test_the_documented_snippet_refuses(
    body: bytes, header: str | None, secret: str, now: int
) -> None:
    snippet = documented_snippet()
    signed = (
        header if header is not None else signature_header(secret=SECRET, timestamp=NOW, body=BODY)
    )

    with pytest.raises(snippet.invalid):
        snippet.verify(body, signed, secret, now=now)


def test_a_timestamp_moved_forward_does_not_verify() -> None:
    snippet = documented_snippet()
    digest = signature(secret=SECRET, timestamp=NOW, body=BODY)

    with pytest.raises(snippet.invalid):
        snippet.verify(BODY, f"t={NOW + 100},v1={digest}", SECRET, now=NOW + 100)


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.DELIVERED),
        (204, Verdict.DELIVERED),
        (299, Verdict.DELIVERED),
        (301, Verdict.GIVE_UP),
        (400, Verdict.GIVE_UP),
        (404, Verdict.GIVE_UP),
        (410, Verdict.GIVE_UP),
        (408, Verdict.RETRY),
        (429, Verdict.RETRY),
        (500, Verdict.RETRY),
        (503, Verdict.RETRY),
    ],
)
def test_an_answer_means_delivered_retry_or_give_up(status: int, verdict: Verdict) -> None:
    assert verdict_of(status) == verdict
