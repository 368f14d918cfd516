"""The migrations Job and the pods that wait for it, in an order Helm can complete.

Helm's ``--wait`` (and ``--atomic``, and Flux, which waits by default) waits for the
release's pods to be ready before it runs post-install hooks. The pods wait for the
schema, so a post-install migrations Job is never run: the install hangs. The Job is
therefore never a post-install hook: beside the chart's own PostgreSQL it is an ordinary
object of the release that waits for the database itself; with an external database it
runs before everything (pre-install).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.chart.conftest import Render
from tests.chart.objects import find, pod_specs
from tools.helm import Obj

EXTERNAL_DB = {"postgresql": {"enabled": False}, "externalDatabase": {"existingSecret": "db"}}


def _hook(obj: Obj) -> set[str]:
    annotations = obj["metadata"].get("annotations") or {}
    return set(filter(None, annotations.get("helm.sh/hook", "").split(",")))


def _waits_for_migrations(spec: Obj) -> bool:
    return any(c["name"] == "wait-for-migrations" for c in spec.get("initContainers", []))


@pytest.mark.parametrize(
    "values",
    [{}, EXTERNAL_DB, {"redis": {"enabled": False}, "rabbitmq": {"enabled": True}}],
    ids=["in-chart-postgresql", "external-database", "rabbitmq"],
)
def test_nothing_the_release_waits_for_runs_after_the_release(
    render: Render, values: dict[str, Any]
) -> None:
    # given the objects Helm installs before it waits (the release) and its hooks
    objects = render(values)
    release = [o for o in objects if not _hook(o)]
    # then no hook runs post-install: under --wait Helm runs those only once every pod of
    # the release is ready, and the pods wait for the migrations
    assert not [o["metadata"]["name"] for o in objects if _hook(o) & {"post-install"}]
    waiting = [owner for owner, spec in pod_specs(release) if _waits_for_migrations(spec)]
    assert waiting
    migrations = find(objects, "Job")
    assert len(migrations) == 1
    assert _hook(migrations[0]) <= {"pre-install", "pre-upgrade"}


def test_beside_the_in_chart_postgresql_the_job_is_part_of_the_release(render: Render) -> None:
    # given the chart's own PostgreSQL, which the install itself creates
    objects = render()
    job = find(objects, "Job")[0]
    # then the Job is created with it, not as a hook, one per revision (a Job's template
    # is immutable: an upgrade makes a new one and Helm deletes the last) ...
    assert not _hook(job)
    assert job["metadata"]["name"] == "conveyor-migrate-1"
    assert find(objects, "StatefulSet", "conveyor-postgresql")
    # ... and it waits for PostgreSQL itself, with the deadline from the values
    args = job["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args == ["conveyor", "migrate", "--noinput", "--wait-for-database=300"]
    longer = find(render({"migrations": {"databaseWaitSeconds": 900}}), "Job")[0]
    assert "--wait-for-database=900" in longer["spec"]["template"]["spec"]["containers"][0]["args"]


def test_with_an_external_database_the_job_runs_before_the_release(render: Render) -> None:
    job = find(render(EXTERNAL_DB), "Job")[0]
    assert _hook(job) == {"pre-install", "pre-upgrade"}
    assert job["metadata"]["name"] == "conveyor-migrate"
    assert "--wait-for-database=300" in job["spec"]["template"]["spec"]["containers"][0]["args"]


def test_without_hooks_the_job_is_a_plain_job_of_a_fixed_name(render: Render) -> None:
    values = {
        "hooks": {"enabled": False},
        "secretKey": {"existingSecret": "s"},
        "postgresql": {"auth": {"existingSecret": "s"}},
        "redis": {"auth": {"existingSecret": "s"}},
    }
    job = find(render(values), "Job")[0]
    assert not _hook(job)
    assert job["metadata"]["name"] == "conveyor-migrate"


def test_the_database_wait_must_end_before_the_jobs_deadline(render: Render) -> None:
    with pytest.raises(Exception, match=r"migrations\.databaseWaitSeconds=1800 is not below"):
        render({"migrations": {"databaseWaitSeconds": 1800, "activeDeadlineSeconds": 1800}})
