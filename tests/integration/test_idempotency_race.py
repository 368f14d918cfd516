"""Two requests with one Idempotency-Key at the same moment create one job."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conveyor.clients.models import ApiClient
from conveyor.clients.services import api_client_create
from conveyor.jobs import idempotency, services
from conveyor.jobs.models import IdempotencyKey, Job

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_submissions_with_one_key_create_one_job() -> None:
    # given a client and four requests with the same key and body, each on its own
    # connection, that all get past the lookup before any of them stores its key
    client, _ = api_client_create(name=f"idem-{uuid.uuid4().hex[:6]}", scopes=["jobs:write"])
    barrier = threading.Barrier(4)

    def create(owner: ApiClient) -> Job:
        job = services.job_create(
            client=owner,
            type="demo.noop",
            params={},
            run_at=timezone.now() + timedelta(hours=1),  # scheduled: nothing is published
        )
        barrier.wait(timeout=10)
        return job

    def request(_: int) -> tuple[str, bool]:
        try:
            job, created = idempotency.submit_once(
                client=client, key="same", digest="d" * 64, create=lambda: create(client)
            )
            return str(job.pk), created
        finally:
            connection.close()

    # when
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(request, range(4)))

    # then one created the job; the others got that job back; the losers' jobs are gone
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert len({job_id for job_id, _ in results}) == 1
    assert Job.objects.filter(client=client).count() == 1
    assert IdempotencyKey.objects.filter(client=client).count() == 1
