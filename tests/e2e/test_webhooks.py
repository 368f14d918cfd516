"""Webhooks through real processes: a job ends on a real worker, the system queue carries
its delivery, and a real HTTP receiver gets a signed POST that the snippet in
docs/webhooks.md verifies. Retries, refusals and a lost message, too."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from standardwebhooks import Webhook

from tests import shared_services as services
from tests.e2e.conftest import BROKERS
from tests.e2e.platform import Platform
from tests.procs import free_port, wait_until
from tests.webhooks import Received, Receiver, documented_snippet, start_receiver

# What only the job resource shows, not the webhook body (the list shape plus the event).
DETAIL_ONLY = {"worker", "attempt_history", "webhook_deliveries"}


@pytest.fixture(scope="module", params=BROKERS)
def hooks_platform(request: pytest.FixtureRequest) -> Iterator[Platform]:
    """The platform with fast webhook retries and its own worker metrics port."""
    services.require("postgres")
    services.require(request.param)
    env = {
        "CONVEYOR_WEBHOOK_BACKOFF_SECONDS": "0.2",
        "CONVEYOR_WEBHOOK_MAX_ATTEMPTS": "3",
        "CONVEYOR_WEBHOOK_TIMEOUT_SECONDS": "5",
        "CONVEYOR_WORKER_METRICS_PORT": str(free_port()),
        # 127.0.0.0/8 only (the receiver); 169.254/16 and 10/8 stay refused.
        "CONVEYOR_HTTP_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    with Platform.running(request.param, extra_env=env) as running:
        yield running


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    server = start_receiver()
    yield server
    server.stop()


def secret_of(platform: Platform, client: str = "alice") -> str:
    return str(
        platform.sql("SELECT webhook_secret FROM clients_apiclient WHERE name = %s", client)[0][0]
    )


def wait_delivery(platform: Platform, job_id: str, states: set[str]) -> dict[str, Any]:
    """The job, once its (one) webhook delivery is in one of ``states``."""

    def settled() -> dict[str, Any] | None:
        job = platform.get(job_id)
        deliveries = job["webhook_deliveries"]
        return job if deliveries and deliveries[-1]["state"] in states else None

    try:
        job = wait_until(settled, timeout=60, message=f"the webhook of {job_id} to be {states}")
    except TimeoutError as exc:
        raise AssertionError(f"{exc}; job is {platform.get(job_id)}\n{platform.logs()}") from None
    assert isinstance(job, dict)
    return job


def received(receiver: Receiver, path: str, count: int) -> list[Received]:
    got = wait_until(
        lambda: len(r := receiver.to(path)) >= count and r,
        timeout=60,
        message=f"{count} POST(s) to {path}",
    )
    assert isinstance(got, list)
    return got


def worker_metric(platform: Platform, outcome: str) -> float:
    name = "conveyor_webhook_deliveries_total"
    return platform.worker_samples(name).get(f'{name}{{outcome="{outcome}"}}', 0.0)


def test_a_finished_job_is_posted_signed_to_its_webhook(
    hooks_platform: Platform, receiver: Receiver
) -> None:
    # given
    path = f"/hooks/{uuid.uuid4().hex}"
    job = hooks_platform.submit({"type": "demo.noop", "webhook_url": receiver.url(path)})

    # when
    done = wait_delivery(hooks_platform, job["id"], {"delivered"})

    # then: one POST, signed with alice's secret, as the standardwebhooks library and the
    # documented snippet check it
    (post,) = received(receiver, path, 1)
    Webhook(secret_of(hooks_platform)).verify(post.body, post.headers)
    documented_snippet().verify(post.body, post.headers, secret_of(hooks_platform))
    with pytest.raises(documented_snippet().invalid):
        documented_snippet().verify(post.body, post.headers, secret_of(hooks_platform, "bob"))
    assert post.headers["content-type"] == "application/json"
    assert post.headers["conveyor-event"] == "job.succeeded"
    # the body is the job as the API shows it, plus the event
    body = json.loads(post.body)
    shown = {k: v for k, v in done.items() if k not in DETAIL_ONLY}
    assert body == {"event": "job.succeeded", **shown}
    # and the job resource shows the delivery
    (delivery,) = done["webhook_deliveries"]
    assert post.headers["webhook-id"] == delivery["id"]
    assert (delivery["event"], delivery["attempts"]) == ("job.succeeded", 1)
    assert [
        (a["number"], a["status_code"], a["delivered"]) for a in delivery["attempt_history"]
    ] == [(1, 200, True)]
    wait_until(
        lambda: worker_metric(hooks_platform, "delivered") >= 1,
        timeout=30,
        message="the delivered counter",
    )


def test_a_failed_and_a_cancelled_job_send_their_events(
    hooks_platform: Platform, receiver: Receiver
) -> None:
    # given: a job that fails for good (http.request gets a 404) and one cancelled waiting
    run = uuid.uuid4().hex
    receiver.answer(f"/target/{run}", 404)
    hooks_platform.submit(
        {
            "type": "http.request",
            "params": {"url": receiver.url(f"/target/{run}"), "method": "POST"},
            "webhook_url": receiver.url(f"/hooks/failed/{run}"),
        }
    )
    waiting = hooks_platform.submit(
        {
            "type": "demo.noop",
            "delay_seconds": 3600,
            "webhook_url": receiver.url(f"/hooks/cancelled/{run}"),
        }
    )

    # when
    assert hooks_platform.post(f"/v1/jobs/{waiting['id']}/cancel").status_code == 200

    # then
    (failed,) = received(receiver, f"/hooks/failed/{run}", 1)
    (cancelled,) = received(receiver, f"/hooks/cancelled/{run}", 1)
    secret = secret_of(hooks_platform)
    for post in (failed, cancelled):
        documented_snippet().verify(post.body, post.headers, secret)
    assert json.loads(failed.body)["event"] == "job.failed"
    assert json.loads(failed.body)["state"] == "failed"
    assert json.loads(failed.body)["error"]["message"].endswith("answered 404")
    assert json.loads(cancelled.body)["event"] == "job.cancelled"
    assert json.loads(cancelled.body)["id"] == waiting["id"]


def test_a_receiver_that_fails_first_gets_the_delivery_again(
    hooks_platform: Platform, receiver: Receiver
) -> None:
    # given: a receiver that answers 500, then 200
    path = f"/hooks/{uuid.uuid4().hex}"
    receiver.answer(path, 500)

    # when
    job = hooks_platform.submit({"type": "demo.noop", "webhook_url": receiver.url(path)})
    done = wait_delivery(hooks_platform, job["id"], {"delivered"})

    # then: two attempts recorded, two POSTs of the same delivery, both signed
    (delivery,) = done["webhook_deliveries"]
    assert delivery["attempts"] == 2
    assert [(a["status_code"], a["delivered"]) for a in delivery["attempt_history"]] == [
        (500, False),
        (200, True),
    ]
    assert delivery["attempt_history"][0]["error"] == "answered 500: no thanks (500)"
    first, second = received(receiver, path, 2)
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery["id"]
    for post in (first, second):
        documented_snippet().verify(post.body, post.headers, secret_of(hooks_platform))


def test_a_receiver_that_keeps_failing_is_given_up_after_the_last_attempt(
    hooks_platform: Platform, receiver: Receiver
) -> None:
    path = f"/hooks/{uuid.uuid4().hex}"
    receiver.answer(path, 503, 503, 503, 503)

    job = hooks_platform.submit({"type": "demo.noop", "webhook_url": receiver.url(path)})
    done = wait_delivery(hooks_platform, job["id"], {"failed"})

    (delivery,) = done["webhook_deliveries"]
    assert delivery["attempts"] == 3  # CONVEYOR_WEBHOOK_MAX_ATTEMPTS
    assert [a["status_code"] for a in delivery["attempt_history"]] == [503, 503, 503]
    assert len(receiver.to(path)) == 3


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data", "http://10.255.255.1:8080/hook"],
    ids=["link-local", "private"],
)
def test_a_private_destination_is_refused_and_recorded(hooks_platform: Platform, url: str) -> None:
    # when
    job = hooks_platform.submit({"type": "demo.noop", "webhook_url": url})
    done = wait_delivery(hooks_platform, job["id"], {"failed"})

    # then: one attempt, refused, never retried
    (delivery,) = done["webhook_deliveries"]
    assert delivery["attempts"] == 1
    assert delivery["next_attempt_at"] is None
    (refused,) = delivery["attempt_history"]
    assert refused["status_code"] is None
    assert refused["error"].startswith("refused: ")
    assert "CONVEYOR_HTTP_ALLOWED_NETWORKS" in refused["error"]
    wait_until(
        lambda: worker_metric(hooks_platform, "refused") >= 1,
        timeout=30,
        message="the refused counter",
    )


def test_a_delivery_whose_message_was_lost_is_sent_by_the_dispatcher(
    hooks_platform: Platform, receiver: Receiver
) -> None:
    # given: a job that ended without a webhook, and a pending delivery of it whose message
    # never reached the broker (as when the broker is down at commit)
    path = f"/hooks/{uuid.uuid4().hex}"
    job = hooks_platform.submit({"type": "demo.noop"})
    hooks_platform.wait_final(job["id"])
    delivery_id = str(uuid.uuid4())
    hooks_platform.sql(
        "INSERT INTO webhooks_webhookdelivery"
        " (id, job_id, event, url, body, state, attempts, next_attempt_at, token, created_at)"
        " VALUES (%s, %s, 'job.succeeded', %s, %s, 'pending', 0, now(), %s, now())"
        " RETURNING id",
        delivery_id,
        job["id"],
        receiver.url(path),
        json.dumps({"event": "job.succeeded", "id": job["id"]}),
        str(uuid.uuid4()),
    )

    # when / then: the dispatcher sends it
    (post,) = received(receiver, path, 1)
    assert post.headers["webhook-id"] == delivery_id
    documented_snippet().verify(post.body, post.headers, secret_of(hooks_platform))
    wait_until(
        lambda: (
            hooks_platform.sql(
                "SELECT state FROM webhooks_webhookdelivery WHERE id = %s", delivery_id
            )[0][0]
            == "delivered"
        ),
        timeout=30,
        message="the delivery to be recorded",
    )
