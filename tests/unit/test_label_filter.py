"""The label filter on SQLite (the embedded default): the API suite covers PostgreSQL.

The query is compiled by Django's SQLite backend and run on a real in-memory SQLite
database holding a minimal ``jobs_job`` table.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

from conveyor.jobs.models import Job
from conveyor.jobs.selectors import LabelValue

ROWS = [
    ("a", {"env": "prod", "team": "x"}),
    ("b", {"env": "dev"}),
    ("c", {"123": "digits"}),
    ("d", {"1_0": "underscore"}),
    ("e", {"app.kubernetes.io/name": "web"}),
    ("f", {}),
]


def sqlite_wrapper() -> DatabaseWrapper:
    settings: dict[str, Any] = {
        "ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:", "OPTIONS": {},
        "TIME_ZONE": None, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True, "ATOMIC_REQUESTS": False, "USER": "", "PASSWORD": "",
        "HOST": "", "PORT": "", "TEST": {},
    }  # fmt: skip
    return DatabaseWrapper(settings, alias="sqlite-label-test")


def matching(labels: dict[str, str]) -> list[str]:
    # given: the query as the SQLite backend compiles it
    jobs = Job.objects.all()
    for index, (key, value) in enumerate(sorted(labels.items())):
        jobs = jobs.alias(**{f"l{index}": LabelValue(key)}).filter(**{f"l{index}": value})
    query = jobs.order_by("type").values_list("type", flat=True).query
    sql, params = query.get_compiler(connection=sqlite_wrapper()).as_sql()

    # when: run on a real SQLite database
    db = sqlite3.connect(":memory:")
    try:
        db.execute('CREATE TABLE "jobs_job" ("type" text, "labels" text)')
        db.executemany(
            "INSERT INTO jobs_job VALUES (?, ?)",
            [(name, json.dumps(labels)) for name, labels in ROWS],
        )
        return [row[0] for row in db.execute(sql.replace("%s", "?"), params)]
    finally:
        db.close()


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"env": "prod"}, ["a"]),
        ({"env": "prod", "team": "x"}, ["a"]),
        ({"env": "prod", "team": "y"}, []),
        ({"123": "digits"}, ["c"]),
        ({"1_0": "underscore"}, ["d"]),
        ({"app.kubernetes.io/name": "web"}, ["e"]),
        ({"env": "nope"}, []),
    ],
)
def test_label_filters_match_on_sqlite(labels: dict[str, str], expected: list[str]) -> None:
    assert matching(labels) == expected


def test_a_label_key_is_always_an_object_key_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the suite's database is not PostgreSQL")
    query = Job.objects.alias(v=LabelValue("123")).filter(v="x").values_list("id").query

    sql, params = query.get_compiler(connection=connection).as_sql()

    assert "->> %s" in sql
    assert "123" in params  # a string key, not the array index 123
    assert 123 not in params
