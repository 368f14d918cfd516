"""The webhook delivery task: one signed POST of a job's event to its ``webhook_url``.

The database decides everything else (``conveyor_worker/deliveries.py``): which message
may run a delivery, when it is retried, when it is given up. The destination is checked
by ``http.request``'s guard: any address that is not plainly global unicast is refused
unless ``CONVEYOR_HTTP_ALLOWED_NETWORKS`` lists it, on the address actually connected to;
a host name that does not exist gives the delivery up at once.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import httpcore
from django.conf import settings
from django.utils import timezone

from conveyor.config.celery import app
from conveyor.config.tasks import DELIVER_WEBHOOK_TASK
from conveyor.webhooks.signing import EVENT_HEADER, signed_headers
from conveyor_worker import deliveries, metrics
from conveyor_worker.deliveries import AttemptResult, DeliveryLease, Verdict
from conveyor_worker.httpclient import DestinationRefused, GuardedBackend, HostNotFound

log = logging.getLogger(__name__)

USER_AGENT = "conveyor-webhook/1"
# Answers worth another attempt besides every 5xx: the receiver asks to be called later.
RETRY_STATUSES = frozenset({408, 429})
# How much of an error answer's body is kept with the attempt, for the operator.
ERROR_BODY_BYTES = 300


def verdict_of(status: int) -> Verdict:
    if 200 <= status < 300:
        return Verdict.DELIVERED
    if status >= 500 or status in RETRY_STATUSES:
        return Verdict.RETRY
    return Verdict.GIVE_UP


def post(lease: DeliveryLease) -> AttemptResult:
    """POST the delivery's body once, signed now; what came back, as an attempt result."""
    delivery = lease.delivery
    body = delivery.body.encode()
    headers = [
        ("user-agent", USER_AGENT),
        ("content-type", "application/json"),
        (EVENT_HEADER.lower(), delivery.event),
        # Standard Webhooks: webhook-id (the delivery, the same on every attempt),
        # webhook-timestamp (this attempt) and webhook-signature over both and the body.
        *signed_headers(
            secrets=lease.secrets, msg_id=str(delivery.pk), timestamp=int(time.time()), body=body
        ),
    ]
    timeout = settings.CONVEYOR_WEBHOOK_TIMEOUT.total_seconds()
    started_at = timezone.now()
    clock = time.monotonic()

    def result(verdict: Verdict, status: int | None = None, error: str = "") -> AttemptResult:
        return AttemptResult(
            verdict=verdict,
            started_at=started_at,
            duration=timedelta(seconds=time.monotonic() - clock),
            status_code=status,
            error=error,
        )

    try:
        with (
            httpcore.ConnectionPool(network_backend=GuardedBackend(), retries=0) as pool,
            pool.stream(
                "POST",
                delivery.url,
                headers=headers,
                content=body,
                extensions={
                    "timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": 1}
                },
            ) as response,
        ):
            status = response.status
            verdict = verdict_of(status)
            answer = b""
            if verdict != Verdict.DELIVERED:
                for chunk in response.iter_stream():
                    answer += chunk
                    if len(answer) >= ERROR_BODY_BYTES:
                        break
    except DestinationRefused as exc:
        return result(Verdict.REFUSED, error=f"refused: {exc}")
    except HostNotFound as exc:
        # The name does not exist: given up at once rather than retried for hours. A DNS
        # that does not answer (EAI_AGAIN) is a connection error, retried.
        return result(Verdict.GIVE_UP, error=str(exc))
    except httpcore.TimeoutException as exc:
        return result(Verdict.RETRY, error=f"timed out after {timeout:g}s: {exc}")
    except httpcore.UnsupportedProtocol as exc:
        return result(Verdict.GIVE_UP, error=f"unsupported URL: {exc}")
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.ConnectError) as exc:
        return result(Verdict.RETRY, error=f"{type(exc).__name__}: {exc}")
    if verdict == Verdict.DELIVERED:
        return result(verdict, status)
    text = answer[:ERROR_BODY_BYTES].decode("utf-8", errors="replace").strip()
    return result(verdict, status, f"answered {status}" + (f": {text}" if text else ""))


@app.task(name=DELIVER_WEBHOOK_TASK, ignore_result=True, acks_late=False)
def deliver_webhook(delivery_id: str, token: str) -> str | None:
    """One attempt of a delivery, if this message still holds it; the outcome, else None.

    Acknowledged on receipt: if this worker dies mid-attempt, the dispatcher sends the
    delivery again when the attempt's lease ends.
    """
    lease = deliveries.claim_delivery(delivery_id=delivery_id, token=token)
    if lease is None:
        return None  # delivered, given up, or taken by a newer message
    result = post(lease)
    outcome = deliveries.record_attempt(lease, result)
    metrics.webhook_delivery_attempted(outcome)
    log.info(
        "webhook %s of job %s, attempt %d, to %s: %s (%s)",
        lease.delivery.event,
        lease.delivery.job_id,
        lease.number,
        lease.delivery.url,
        outcome,
        result.status_code or result.error,
    )
    return outcome.value
