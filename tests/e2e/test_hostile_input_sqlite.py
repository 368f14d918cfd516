"""The embedded default (SQLite) refuses what it cannot read back: a lone surrogate was
stored there and then every list, the job itself and its admin page answered 500. The
API tests run on PostgreSQL (tests/api/test_hostile_input.py); this runs the same
requests against a fresh SQLite database, in a fresh interpreter."""

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
    from rest_framework.test import APIClient
    from conveyor.clients.services import api_client_create
    from conveyor.jobs.models import Job
    _, key = api_client_create(name="tenant", scopes=["jobs:read", "jobs:write"])
    api = APIClient(SERVER_NAME="localhost")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = {"type": "http.request", "params": {"url": "https://example.com", "body": "\ud800"}}
    bodies = [
        json.dumps(url),
        json.dumps({"type": "demo.noop", "labels": {"team": "\udfff"}}),
        json.dumps({"jobs": [{"type": "demo.noop", "labels": {"k": "\x00"}}]}),
        '{"type": "demo.noop", "params": {"x": ' + "[" * 3000 + "]" * 3000 + "}}",
    ]
    paths = ["/v1/jobs", "/v1/jobs", "/v1/jobs/batch", "/v1/jobs"]
    answers = [
        api.post(p, b, content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"k{i}")
        for i, (p, b) in enumerate(zip(paths, bodies))
    ]
    statuses = [(a.status_code, a.json()["type"].rsplit("/", 1)[1]) for a in answers]
    print(json.dumps({
        "vendor": connection.vendor,
        "statuses": statuses,
        "stored": Job.objects.count(),
        "list": api.get("/v1/jobs").status_code,
        "cursor": api.get("/v1/jobs", {"cursor": "cD1nYXJiYWdl"}).status_code,
    }))
""")


def test_sqlite_refuses_unstorable_text_and_keeps_answering(tmp_path: Path) -> None:
    # given: the embedded default's database, fresh
    env = embedded_default_env(tmp_path, "hostile-input-sqlite-test")

    # when: lone surrogates, NUL, deep nesting, a forged cursor
    report = fresh_python_report(SCRIPT, env)

    # then: each a 400, nothing stored, and the list still reads
    assert report == {
        "vendor": "sqlite",
        "statuses": [[400, "invalid-input"]] * 4,
        "stored": 0,
        "list": 200,
        "cursor": 400,
    }
