"""``python -m bench.profile {worker,bundle,submit,batch} [--count N] [--profiler ...]``: where a
job's time goes, in one process.

``worker`` stores N no-op jobs, then runs each through the worker's ``run_job`` (claim,
handler, outcome) as a pool process would; ``bundle`` runs them 32 at a time through
``run_bundle`` (one claim, then each handler and outcome), as a batch's bundles are run;
``submit`` sends N ``POST /v1/jobs`` through
Django's test client (middleware, authentication, validation, the INSERT, the publish: the
path every submission took before ``jobs/direct_submit.py``, which under gunicorn now
answers plain ones in front of Django; py-spy on a loaded API shows that one);
``batch`` sends them 100 at a time through ``POST /v1/jobs/batch``.
It prints the time per job and the statements one job runs, then, with ``--profiler``,
a profile of the loop: ``cprofile`` (standard library) or ``pyinstrument`` (if
installed: ``pip install -e ".[profile]"``). For a running worker pod, py-spy
(``py-spy record --subprocesses --idle -p <pid>``) shows the same from outside.

Run it with a conveyor environment against a database it may fill (``DATABASE_URL``,
``BROKER_URL``, ``SECRET_KEY``, migrated): it creates an API client (``profile-…``) and
leaves it and its jobs behind. Figures move with the machine: compare runs made one after
the other, never with a number written down elsewhere.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import django

if TYPE_CHECKING:
    from conveyor.clients.models import ApiClient

NOOP = {"type": "demo.noop"}
WARM_UP = 20
BUNDLE = 32  # jobs per bundle on the ``bundle`` path (CONVEYOR_BUNDLE_MAX_JOBS' default)
BATCH = 100  # jobs per request on the ``batch`` path (the benchmark's batch size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", choices=["worker", "bundle", "submit", "batch"])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--profiler", choices=["none", "cprofile", "pyinstrument"])
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")
    django.setup()
    per_call = {"bundle": BUNDLE, "batch": BATCH}.get(args.path, 1)
    calls = max(1, args.count // per_call)
    if args.path == "worker":
        one = _worker_path(args.count)
    elif args.path == "bundle":
        one = _bundle_path(calls * BUNDLE)
    elif args.path == "batch":
        one = _submit_path("/v1/jobs/batch", {"jobs": [NOOP] * BATCH})
    else:
        one = _submit_path("/v1/jobs", NOOP)
    for _ in range(WARM_UP):
        one()
    _statements(one)
    started, cpu = time.perf_counter(), time.process_time()
    _profiled(one, calls, args.profiler or "none")
    args.count = calls * per_call
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{args.path}: {elapsed / args.count * 1000:.2f} ms per job "
        f"({cpu / args.count * 1000:.2f} ms of this process's CPU), {args.count} jobs"
        + (f", under {args.profiler}" if args.profiler not in (None, "none") else "")
    )


def _client() -> tuple[ApiClient, str]:
    """A new API client of this run (``profile-…``), and its key."""
    from conveyor.clients.services import api_client_create

    return api_client_create(name=f"profile-{uuid.uuid4().hex[:8]}", scopes=["jobs:write"])


def _worker_path(count: int) -> Callable[[], None]:
    from django.db import close_old_connections, transaction

    import conveyor_worker.app  # noqa: F401  (the worker's settings and job types)
    from conveyor.jobs.services import job_create
    from conveyor_worker.execute import run_job

    client, _ = _client()
    with transaction.atomic():  # published at commit, as a backlog would be
        ids = [
            str(job_create(client=client, type="demo.noop", params={}).pk)
            for _ in range(count + WARM_UP + 1)
        ]
    pending = iter(ids)

    def one() -> None:
        close_old_connections()
        run_job(next(pending), message_id=None, worker="profile@local")

    return one


def _bundle_path(count: int) -> Callable[[], None]:
    from django.db import close_old_connections
    from django.utils import timezone

    import conveyor_worker.app  # noqa: F401  (the worker's settings and job types)
    from conveyor.jobs.models import Job
    from conveyor.jobs.services import prepare_job
    from conveyor_worker.bundles import run_bundle

    client, _ = _client()
    now = timezone.now()
    jobs = [
        prepare_job(client=client, now=now, type="demo.noop", params={})
        for _ in range(count + (WARM_UP + 1) * BUNDLE)
    ]
    Job.objects.bulk_create(jobs)  # no messages: run_bundle is called directly
    ids = [str(job.pk) for job in jobs]
    bundles = iter([ids[i : i + BUNDLE] for i in range(0, len(ids), BUNDLE)])

    def one() -> None:
        close_old_connections()
        run_bundle(next(bundles), message_id=str(uuid.uuid4()), worker="profile@local")

    return one


def _submit_path(path: str, payload: object) -> Callable[[], None]:
    from django.test import Client

    _, key = _client()
    http = Client(HTTP_AUTHORIZATION=f"Bearer {key}", SERVER_NAME="localhost")
    body = json.dumps(payload)

    def one() -> None:
        response = http.post(path, data=body, content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"POST {path} answered {response.status_code}: {response.content!r}")

    return one


def _statements(one: Callable[[], None]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        one()
    print(f"statements for one job ({len(captured.captured_queries)}):")
    for query in captured.captured_queries:
        print(f"  {query['sql'][:150]}")


def _profiled(one: Callable[[], None], count: int, profiler: str) -> None:
    if profiler == "cprofile":
        import cProfile
        import pstats

        with cProfile.Profile() as profile:
            for _ in range(count):
                one()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    elif profiler == "pyinstrument":
        from pyinstrument import Profiler

        with Profiler(interval=0.0005) as sampled:
            for _ in range(count):
                one()
        print(sampled.output_text(color=False))
    else:
        for _ in range(count):
            one()


if __name__ == "__main__":
    main()
