"""Webhook signatures by the Standard Webhooks specification: checked with the
``standardwebhooks`` library, as any receiver would, and with the receiver snippet of
docs/webhooks.md; rotation signs with both secrets during the overlap."""

from __future__ import annotations

import base64
import secrets
import time
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from conveyor.clients.keys import generate_webhook_secret
from conveyor.clients.models import ApiClient
from conveyor.webhooks.signing import secret_key, signature, signed_headers
from conveyor_worker.deliveries import Verdict
from conveyor_worker.webhooks import verdict_of
from tests.webhooks import documented_snippet

SECRET = generate_webhook_secret()
OTHER = generate_webhook_secret()
BODY = b'{"event":"job.succeeded","id":"4b7c"}'
MSG_ID = "0d7e5a52-5c2e-4a57-8bde-0a7c2f7f4a10"


def headers(
    *, secrets_: tuple[str, ...] = (SECRET,), msg_id: str = MSG_ID, at: int | None = None
) -> dict[str, str]:
    now = int(time.time()) if at is None else at
    return dict(signed_headers(secrets=secrets_, msg_id=msg_id, timestamp=now, body=BODY))


def test_a_new_secret_is_whsec_and_base64_of_32_bytes() -> None:
    assert SECRET.startswith("whsec_")
    assert len(base64.b64decode(SECRET.removeprefix("whsec_"), validate=True)) == 32
    assert SECRET != OTHER


def test_the_headers_are_the_standard_webhooks_ones() -> None:
    sent = headers(at=1_800_000_000)

    assert set(sent) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert sent["webhook-id"] == MSG_ID
    assert sent["webhook-timestamp"] == "1800000000"
    assert sent["webhook-signature"].startswith("v1,")


def test_the_standardwebhooks_library_verifies_a_delivery() -> None:
    assert Webhook(SECRET).verify(BODY, headers()) == {"event": "job.succeeded", "id": "4b7c"}


def test_the_signature_is_the_librarys_over_id_timestamp_and_body() -> None:
    at = datetime(2027, 1, 1, tzinfo=UTC)
    ours = signature(secret=SECRET, msg_id=MSG_ID, timestamp=int(at.timestamp()), body=BODY)

    assert ours == Webhook(SECRET).sign(MSG_ID, at, BODY)


@pytest.mark.parametrize(
    "tamper",
    ["fresh id", "body", "other secret", "old", "future", "no signature", "no id"],
)
def test_the_library_and_the_documented_snippet_refuse(tamper: str) -> None:
    # given: a delivery as conveyor signs it, then changed as an attacker would
    sent, body, secret = headers(), BODY, SECRET
    if tamper == "fresh id":  # a replay under a new id, to pass de-duplication
        sent["webhook-id"] = "11111111-2222-3333-4444-555555555555"
    elif tamper == "body":
        body = BODY + b" "
    elif tamper == "other secret":
        secret = OTHER
    elif tamper == "old":
        sent = headers(at=int(time.time()) - 301)
    elif tamper == "future":
        sent = headers(at=int(time.time()) + 301)
    elif tamper == "no signature":
        del sent["webhook-signature"]
    elif tamper == "no id":
        del sent["webhook-id"]
    snippet = documented_snippet()

    # then: neither accepts it
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, sent)
    with pytest.raises(snippet.invalid):
        snippet.verify(body, sent, secret)


def test_the_documented_snippet_accepts_what_the_library_accepts() -> None:
    sent = headers(secrets_=(SECRET, OTHER))
    snippet = documented_snippet()

    assert snippet.verify(BODY, sent, SECRET) == MSG_ID
    assert snippet.verify(BODY, {k.title(): v for k, v in sent.items()}, OTHER) == MSG_ID


def test_during_the_overlap_both_secrets_sign_and_each_verifies() -> None:
    # given: a client rotated an hour ago, with a day's overlap
    now = datetime.now(UTC)
    client = ApiClient(
        webhook_secret=SECRET,
        previous_webhook_secret=OTHER,
        previous_webhook_secret_until=now + timedelta(hours=23),
    )

    # when
    sent = headers(secrets_=client.webhook_signing_secrets(now))

    # then: two signatures, space-separated; a receiver with either secret accepts
    assert len(sent["webhook-signature"].split(" ")) == 2
    Webhook(SECRET).verify(BODY, sent)
    Webhook(OTHER).verify(BODY, sent)


def test_after_the_overlap_only_the_new_secret_signs() -> None:
    now = datetime.now(UTC)
    client = ApiClient(
        webhook_secret=SECRET,
        previous_webhook_secret=OTHER,
        previous_webhook_secret_until=now,
    )

    sent = headers(secrets_=client.webhook_signing_secrets(now))

    Webhook(SECRET).verify(BODY, sent)
    with pytest.raises(WebhookVerificationError):
        Webhook(OTHER).verify(BODY, sent)


def test_a_secret_from_before_the_standard_signs_with_its_same_key_bytes() -> None:
    # given: the old form, URL-safe base64 without padding (it may hold - and _)
    raw = b"\xfb\xff" * 16
    old = "whsec_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
    converted = "whsec_" + base64.b64encode(raw).decode()

    # then: conveyor's key is those bytes; the converted form verifies in the library
    assert secret_key(old) == raw
    sent = headers(secrets_=(old,))
    Webhook(converted).verify(BODY, sent)


def test_a_random_secret_round_trips() -> None:
    raw = secrets.token_bytes(24)

    assert secret_key("whsec_" + base64.b64encode(raw).decode()) == raw


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
