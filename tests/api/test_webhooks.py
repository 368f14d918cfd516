"""Webhooks in the API and the database: ``webhook_url`` on submit, the delivery stored
when a job ends, its attempts and retries, and how the job resource and admin show them.
(The POST itself, with real processes: tests/e2e/test_webhooks.py.)"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from conveyor.clients.models import ApiClient
from conveyor.jobs.models import Job
from conveyor.webhooks import services
from conveyor.webhooks.models import WebhookDelivery
from conveyor.webhooks.signing import signed_headers
from conveyor_worker import attempts, deliveries
from conveyor_worker.deliveries import AttemptResult, DeliveryOutcome, Verdict
from tests.api.problems import error_fields, problem_of
from tests.factories import ApiClientFactory, JobFactory

HOOK = "https://hooks.example.com/conveyor"


def finish(job: Job, captured: Any) -> WebhookDelivery:
    """Run the job to success as a worker would; its one delivery."""
    with captured(execute=False) as callbacks:
        claim = attempts.claim(job.id, worker="w", message_id=None)
        assert claim is not None
        assert attempts.record_success(claim, {"answer": 42})
    assert len(callbacks) == 1  # the delivery's message
    return WebhookDelivery.objects.get(job=job)


def attempt(
    delivery: WebhookDelivery, verdict: Verdict, status: int | None = None
) -> DeliveryOutcome:
    delivery.refresh_from_db()
    assert delivery.token is not None
    claim = deliveries.claim_delivery(delivery_id=delivery.pk, token=delivery.token)
    assert claim is not None
    result = AttemptResult(
        verdict=verdict,
        started_at=timezone.now(),
        duration=timedelta(milliseconds=12),
        status_code=status,
        error="" if verdict == Verdict.DELIVERED else f"answered {status}",
    )
    return deliveries.record_attempt(claim, result)


def release(captured: Any, *, after: timedelta) -> int:
    with captured(execute=False):
        return deliveries.release_due_deliveries(now=timezone.now() + after)


# ---- submitting ---------------------------------------------------------------------


def test_a_job_keeps_its_webhook_url(api: APIClient) -> None:
    response = api.post("/v1/jobs", {"type": "demo.noop", "webhook_url": HOOK}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["webhook_url"] == HOOK
    assert Job.objects.get(pk=response.json()["id"]).webhook_url == HOOK
    detail = api.get(f"/v1/jobs/{response.json()['id']}").json()
    assert detail["webhook_url"] == HOOK
    assert detail["webhook_deliveries"] == []


def test_a_job_without_webhook_url_shows_it_empty(api: APIClient) -> None:
    response = api.post("/v1/jobs", {"type": "demo.noop"}, format="json")

    assert response.json()["webhook_url"] == ""


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "not a url", "https://u:p@example.com/", "", None]
)
def test_a_bad_webhook_url_is_a_400_field_error(api: APIClient, me: ApiClient, url: Any) -> None:
    response = api.post("/v1/jobs", {"type": "demo.noop", "webhook_url": url}, format="json")

    body = problem_of(response, 400)
    assert error_fields(body) == {"webhook_url"}
    assert not Job.objects.filter(client=me).exists()


def test_a_batch_takes_webhook_urls_and_names_the_bad_one(api: APIClient, me: ApiClient) -> None:
    good = {"type": "demo.noop", "webhook_url": HOOK}

    bad = api.post(
        "/v1/jobs/batch", {"jobs": [good, {**good, "webhook_url": "gopher://x"}]}, format="json"
    )
    ok = api.post("/v1/jobs/batch", {"jobs": [good, {"type": "demo.noop"}]}, format="json")

    assert error_fields(problem_of(bad, 400)) == {"jobs[1].webhook_url"}
    assert ok.status_code == 201, ok.content
    assert [j["webhook_url"] for j in ok.json()["jobs"]] == [HOOK, ""]
    assert sorted(Job.objects.filter(client=me).values_list("webhook_url", flat=True)) == [
        "",
        HOOK,
    ]


# ---- the event ----------------------------------------------------------------------


def test_a_job_that_ends_stores_a_pending_delivery_of_itself(
    api: APIClient, me: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    job = JobFactory.create(client=me, webhook_url=HOOK)

    # when
    delivery = finish(job, django_capture_on_commit_callbacks)

    # then: the body is the job as the API shows it, plus the event
    shown = api.get("/v1/jobs", {"state": "succeeded"}).json()["results"][0]
    assert json.loads(delivery.body) == {"event": "job.succeeded", **shown}
    assert delivery.event == "job.succeeded"
    assert delivery.url == HOOK
    assert delivery.state == WebhookDelivery.State.PENDING
    assert delivery.attempts == 0
    assert delivery.token is not None
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at > timezone.now()  # the message is on its way first


def test_a_failed_and_a_cancelled_job_send_their_events(
    api: APIClient, me: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    failing = JobFactory.create(client=me, webhook_url=HOOK)
    scheduled = JobFactory.create(client=me, webhook_url=HOOK, scheduled=True)

    # when
    with django_capture_on_commit_callbacks(execute=False):
        claim = attempts.claim(failing.id, worker="w", message_id=None)
        assert claim is not None
        assert attempts.record_failure(claim, attempts.Failure("ValueError", "bad input"))
        assert api.post(f"/v1/jobs/{scheduled.id}/cancel").status_code == 200

    # then
    failed = WebhookDelivery.objects.get(job=failing)
    cancelled = WebhookDelivery.objects.get(job=scheduled)
    assert failed.event == "job.failed"
    assert json.loads(failed.body)["error"] == {"type": "ValueError", "message": "bad input"}
    assert cancelled.event == "job.cancelled"
    assert json.loads(cancelled.body)["state"] == "cancelled"


def test_a_job_without_webhook_url_stores_no_delivery(
    me: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    job = JobFactory.create(client=me)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        claim = attempts.claim(job.id, worker="w", message_id=None)
        assert claim is not None
        assert attempts.record_success(claim, None)

    assert not WebhookDelivery.objects.exists()
    assert callbacks == []


# ---- attempts and retries -----------------------------------------------------------


def test_a_5xx_is_retried_later_and_a_2xx_delivers(
    me: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    delivery = finish(
        JobFactory.create(client=me, webhook_url=HOOK), django_capture_on_commit_callbacks
    )

    # when: the first attempt gets a 503
    first = attempt(delivery, Verdict.RETRY, 503)

    # then: it waits in the database, and no message may run it
    delivery.refresh_from_db()
    assert first == DeliveryOutcome.RETRYING
    assert (delivery.state, delivery.attempts, delivery.token) == ("pending", 1, None)
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at > timezone.now()
    assert release(django_capture_on_commit_callbacks, after=timedelta(0)) == 0

    # when: its time comes, the dispatcher sends it, and the second attempt gets a 204
    assert release(django_capture_on_commit_callbacks, after=timedelta(hours=2)) == 1
    second = attempt(delivery, Verdict.DELIVERED, 204)

    # then
    done = WebhookDelivery.objects.get(pk=delivery.pk)
    assert second == DeliveryOutcome.DELIVERED
    assert (done.state, done.attempts, done.next_attempt_at) == ("delivered", 2, None)
    assert done.finished_at is not None
    assert [(a.number, a.status_code, a.delivered) for a in done.attempt_records.all()] == [
        (1, 503, False),
        (2, 204, True),
    ]


def test_the_last_attempt_gives_up(
    me: ApiClient, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.CONVEYOR_WEBHOOK_MAX_ATTEMPTS = 2
    delivery = finish(
        JobFactory.create(client=me, webhook_url=HOOK), django_capture_on_commit_callbacks
    )

    assert attempt(delivery, Verdict.RETRY, 500) == DeliveryOutcome.RETRYING
    assert release(django_capture_on_commit_callbacks, after=timedelta(hours=2)) == 1
    assert attempt(delivery, Verdict.RETRY, 500) == DeliveryOutcome.FAILED

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)
    assert release(django_capture_on_commit_callbacks, after=timedelta(days=2)) == 0


@pytest.mark.parametrize(
    ("verdict", "status", "outcome"),
    [
        (Verdict.GIVE_UP, 410, DeliveryOutcome.FAILED),
        (Verdict.REFUSED, None, DeliveryOutcome.REFUSED),
    ],
)
def test_a_refusal_or_a_4xx_is_not_retried(
    me: ApiClient,
    django_capture_on_commit_callbacks: Any,
    verdict: Verdict,
    status: int | None,
    outcome: DeliveryOutcome,
) -> None:
    delivery = finish(
        JobFactory.create(client=me, webhook_url=HOOK), django_capture_on_commit_callbacks
    )

    assert attempt(delivery, verdict, status) == outcome

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    assert release(django_capture_on_commit_callbacks, after=timedelta(days=2)) == 0


def test_a_lost_message_is_sent_again_by_the_dispatcher(
    me: ApiClient, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    # given: the delivery's message never reached the broker
    delivery = finish(
        JobFactory.create(client=me, webhook_url=HOOK), django_capture_on_commit_callbacks
    )
    lost_token = delivery.token
    assert lost_token is not None

    # when / then: not before the message had its chance, then once
    assert release(django_capture_on_commit_callbacks, after=timedelta(0)) == 0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        later = timezone.now() + settings.CONVEYOR_REPUBLISH_AFTER + timedelta(seconds=1)
        assert deliveries.release_due_deliveries(now=later) == 1
    assert len(callbacks) == 1

    # then: the lost message, should it turn up, does nothing; the new one runs it
    assert deliveries.claim_delivery(delivery_id=delivery.pk, token=lost_token) is None
    assert attempt(delivery, Verdict.DELIVERED, 200) == DeliveryOutcome.DELIVERED


def test_an_attempt_whose_worker_vanished_is_made_again(
    me: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    # given: a worker took the delivery and died mid-attempt
    delivery = finish(
        JobFactory.create(client=me, webhook_url=HOOK), django_capture_on_commit_callbacks
    )
    gone = deliveries.claim_delivery(delivery_id=delivery.pk, token=delivery.token)  # type: ignore[arg-type]
    assert gone is not None

    # when: its lease ends
    early = services.attempt_lease() - timedelta(seconds=5)
    assert release(django_capture_on_commit_callbacks, after=early) == 0
    lapsed = services.attempt_lease() + timedelta(seconds=1)
    assert release(django_capture_on_commit_callbacks, after=lapsed) == 1

    # then: another worker delivers it; the vanished one's late report changes nothing
    assert attempt(delivery, Verdict.DELIVERED, 200) == DeliveryOutcome.DELIVERED
    late = AttemptResult(
        verdict=Verdict.RETRY, started_at=timezone.now(), duration=timedelta(seconds=1)
    )
    deliveries.record_attempt(gone, late)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 2)


# ---- what clients and operators see -------------------------------------------------


def test_the_job_resource_shows_deliveries_and_attempts_without_the_secret(
    api: APIClient, me: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    job = JobFactory.create(client=me, webhook_url=HOOK)
    delivery = finish(job, django_capture_on_commit_callbacks)
    attempt(delivery, Verdict.RETRY, 500)
    release(django_capture_on_commit_callbacks, after=timedelta(hours=2))
    attempt(delivery, Verdict.DELIVERED, 200)

    # when
    response = api.get(f"/v1/jobs/{job.id}")

    # then
    assert response.status_code == 200
    shown = response.json()["webhook_deliveries"]
    assert [(d["id"], d["event"], d["state"], d["attempts"]) for d in shown] == [
        (str(delivery.pk), "job.succeeded", "delivered", 2)
    ]
    history = shown[0]["attempt_history"]
    assert [(a["number"], a["status_code"], a["delivered"]) for a in history] == [
        (1, 500, False),
        (2, 200, True),
    ]
    assert history[0]["error"] == "answered 500"
    assert history[0]["duration_seconds"] == pytest.approx(0.012)
    assert me.webhook_secret not in response.content.decode()
    assert "token" not in shown[0]


def test_the_job_resource_reads_deliveries_in_a_fixed_number_of_queries(
    api: APIClient, me: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    def queries_for(job: Job) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"/v1/jobs/{job.id}").status_code == 200
        return len(queries)

    one = JobFactory.create(client=me, webhook_url=HOOK)
    finish(one, django_capture_on_commit_callbacks)
    many = JobFactory.create(client=me, webhook_url=HOOK)
    delivery = finish(many, django_capture_on_commit_callbacks)
    for _ in range(3):
        attempt(delivery, Verdict.RETRY, 500)
        release(django_capture_on_commit_callbacks, after=timedelta(hours=2))
    for _ in range(2):  # retried by a client twice more: two more events
        WebhookDelivery.objects.create(
            job=many, event="job.succeeded", url=HOOK, body="{}", created_at=timezone.now()
        )

    queries_for(one)  # warm up: authentication may be cached after the first request

    assert queries_for(many) == queries_for(one)


def test_another_clients_secret_is_never_used_nor_shown(
    make_api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given two clients: secrets differ
    (_, me), (_, other) = make_api(), make_api()
    assert me.webhook_secret != other.webhook_secret
    assert me.webhook_secret.startswith("whsec_")
    delivery = finish(
        JobFactory.create(client=me, webhook_url=HOOK), django_capture_on_commit_callbacks
    )

    # when
    claim = deliveries.claim_delivery(delivery_id=delivery.pk, token=delivery.token)  # type: ignore[arg-type]

    # then
    assert claim is not None
    assert claim.secrets == (me.webhook_secret,)


def test_create_api_client_prints_the_webhook_secret_and_rotation_replaces_it() -> None:
    # given
    out = StringIO()
    call_command("create_api_client", "hooks", stdout=out)
    printed = next(
        line.split(": ", 1)[1] for line in out.getvalue().splitlines() if "webhook secret" in line
    )
    client = ApiClient.objects.get(name="hooks")
    assert printed == client.webhook_secret

    # when
    rotated = StringIO()
    call_command("rotate_webhook_secret", "hooks", "--secret-only", stdout=rotated)

    # then
    client.refresh_from_db()
    assert rotated.getvalue().strip() == client.webhook_secret
    assert client.webhook_secret != printed
    assert client.webhook_secret.startswith("whsec_")


def test_a_rotated_secret_keeps_signing_beside_the_new_one_for_the_overlap(
    make_api: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given: a client with a finished job's delivery pending, and a one-hour overlap
    settings.CONVEYOR_WEBHOOK_SECRET_OVERLAP = timedelta(hours=1)
    _, me = make_api()
    old = me.webhook_secret
    delivery = finish(
        JobFactory.create(client=me, webhook_url=HOOK), django_capture_on_commit_callbacks
    )

    # when: the secret is rotated
    call_command("rotate_webhook_secret", me.name, stdout=StringIO())
    me.refresh_from_db()

    # then: the delivery is signed with the new and the old secret, each verifying
    claim = deliveries.claim_delivery(delivery_id=delivery.pk, token=delivery.token)  # type: ignore[arg-type]
    assert claim is not None
    assert claim.secrets == (me.webhook_secret, old)
    body = claim.delivery.body.encode()
    sent = dict(
        signed_headers(
            secrets=claim.secrets, msg_id=str(delivery.pk), timestamp=int(time.time()), body=body
        )
    )
    Webhook(me.webhook_secret).verify(body, sent)
    Webhook(old).verify(body, sent)

    # and after the overlap only the new one signs
    later = timezone.now() + timedelta(hours=1, seconds=1)
    assert me.webhook_signing_secrets(later) == (me.webhook_secret,)


def test_a_rotation_without_overlap_drops_the_old_secret_at_once(make_api: Any) -> None:
    _, me = make_api()

    call_command("rotate_webhook_secret", me.name, "--overlap-seconds", "0", stdout=StringIO())

    me.refresh_from_db()
    assert me.webhook_signing_secrets(timezone.now()) == (me.webhook_secret,)
    assert me.previous_webhook_secret == ""


def test_the_admin_shows_a_jobs_deliveries_and_their_attempts(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    job = JobFactory.create(client=ApiClientFactory.create(), webhook_url=HOOK)
    delivery = finish(job, django_capture_on_commit_callbacks)
    attempt(delivery, Verdict.GIVE_UP, 418)

    # when
    job_page = admin_client.get(f"/admin/jobs/job/{job.id}/change/")
    delivery_page = admin_client.get(f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/")
    deliveries = admin_client.get("/admin/webhooks/webhookdelivery/", {"state__exact": "failed"})

    # then
    assert job_page.status_code == 200
    assert str(delivery.pk) in job_page.content.decode()
    assert "job.succeeded" in job_page.content.decode()
    assert delivery_page.status_code == 200
    assert "answered 418" in delivery_page.content.decode()
    assert deliveries.status_code == 200
    assert str(delivery.pk) in deliveries.content.decode()
