"""On the embedded default (SQLite), a job and a batch are stored as ``save()`` and
``bulk_create`` store them (PostgreSQL's JSON insert does not apply there); the API tests
run on PostgreSQL (tests/api/test_job_insert.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.procs import embedded_default_env, fresh_python_report

SCRIPT = textwrap.dedent(r"""
    import json, django
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.utils import timezone
    from conveyor.clients.services import api_client_create
    from conveyor.jobs.insert import insert_job, insert_jobs
    from conveyor.jobs.models import Job
    from conveyor.jobs.services import prepare_job
    client, _ = api_client_create(name="tenant", scopes=["jobs:write"])
    now = timezone.now()
    def made():
        return prepare_job(client=client, now=now, type="demo.sleep", params={"seconds": 1},
                           labels={"k": "ü"})
    def row(job):
        values = dict(Job.objects.filter(pk=job.pk).values().get())
        del values["id"]
        return values
    saved, inserted = made(), made()
    saved.save(force_insert=True)
    insert_job(inserted)
    created, batch = [made(), made()], [made(), made()]
    Job.objects.bulk_create(created)
    insert_jobs(batch)
    print(json.dumps({
        "vendor": connection.vendor,
        "one": row(inserted) == row(saved),
        "many": [row(a) == row(b) for a, b in zip(batch, created)],
        "stored": Job.objects.count(),
    }))
""")


def test_sqlite_stores_the_rows_the_orm_stores(tmp_path: Path) -> None:
    env = embedded_default_env(tmp_path, "insert-sqlite-test")
    report = fresh_python_report(SCRIPT, env)
    assert report == {"vendor": "sqlite", "one": True, "many": [True, True], "stored": 6}
