"""Long-poll on PostgreSQL: a waiting request is woken by the NOTIFY of the final
transition, not by polling."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conveyor.clients.services import api_client_create
from conveyor.jobs import longpoll, services
from conveyor.jobs.models import Job
from tests.procs import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_waiting_request_wakes_when_the_job_is_cancelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a backstop re-read far off, so only the NOTIFY can wake the request in time
    monkeypatch.setattr(longpoll, "BACKSTOP_SECONDS", 120.0)
    # given a waiting job (scheduled: nothing is published) and a request waiting up
    # to 240 s for it, on its own connection
    client, _ = api_client_create(name=f"lp-{uuid.uuid4().hex[:6]}", scopes=["jobs:read"])
    job = services.job_create(
        client=client, type="demo.noop", params={}, run_at=timezone.now() + timedelta(hours=1)
    )
    answered = threading.Event()

    def wait() -> tuple[str, float]:
        try:
            started = time.monotonic()
            found = longpoll.job_wait(
                client=client, job_id=job.pk, timeout=timedelta(seconds=240)
            ).job
            answered.set()
            return found.state, time.monotonic() - started
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(wait)
        # once it listens (it reads the state right after LISTEN, then sleeps)
        wait_until(lambda: _listening(job), timeout=10, message="the request to listen")
        assert not answered.is_set()
        # when the job is cancelled (a final transition, which notifies at commit)
        cancelled_at = time.monotonic()
        services.job_cancel(job=Job.objects.get(pk=job.pk))
        state, _ = future.result(timeout=120)
        woke_after = time.monotonic() - cancelled_at

    # then it answers at once: long before its backstop re-read
    assert state == "cancelled"
    assert woke_after < 60, woke_after


def _listening(job: Job) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state = 'idle' "
            'AND query LIKE \'SELECT "jobs_job"."state"%%\''
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def test_a_stale_notification_of_another_job_does_not_end_the_wait() -> None:
    # given a connection that holds a notification of another job, kept from an earlier
    # wait that ended (its job final) before the notification was read
    client, _ = api_client_create(name=f"lp-{uuid.uuid4().hex[:6]}", scopes=["jobs:read"])
    job = services.job_create(
        client=client, type="demo.noop", params={}, run_at=timezone.now() + timedelta(hours=1)
    )
    earlier = uuid.uuid4()

    def wait() -> str:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'LISTEN "{longpoll.channel_of(earlier)}"')
                longpoll.notify_final(earlier)  # delivered to this session too
                cursor.execute("SELECT 1")
                cursor.execute(f'UNLISTEN "{longpoll.channel_of(earlier)}"')
            found = longpoll.job_wait(
                client=client, job_id=job.pk, timeout=timedelta(seconds=60)
            ).job
            return found.state
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(wait)
        # when the request waits for its job, and the job is cancelled
        wait_until(lambda: _listening(job), timeout=10, message="the request to listen")
        services.job_cancel(job=Job.objects.get(pk=job.pk))
        # then the request answers with the job's final state, not as it was before
        assert future.result(timeout=60) == "cancelled"
