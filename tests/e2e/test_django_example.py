"""The worked example (examples/django_tasks): a Django project's own tasks on conveyor.

The shop is a separate Django project with its own database; its settings add conveyor's
apps and a router that keeps conveyor's tables in conveyor's database. Its view enqueues
two tasks (written as Django's docs show); a worker started with the shop's settings runs
them with the shop's model; the view reads their TaskResults; conveyor's API shows the
jobs. conveyor's own worker serves only its system queue here: the shop's pool serves
``default``. It runs on Django 5.2 with the django-tasks backport and on Django 6.0 with
the built-in framework (tests/e2e/django6.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest

from tests import shared_services as services
from tests.e2e import django6
from tests.e2e.platform import Platform
from tests.procs import BIN, free_port, run, wait_until

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "django_tasks"


@dataclass
class Shop:
    platform: Platform
    url: str
    db_url: str

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            return list(conn.execute(query).fetchall())  # type: ignore[arg-type]

    def result(self, task: str, result_id: str, backend: str = "default") -> dict[str, Any]:
        """The TaskResult as the shop's view reads it, through its TASKS ``backend``
        (``default``: in process; ``rest``: over conveyor's API)."""
        response = httpx.get(
            f"{self.url}/results/{task}/{result_id}/", params={"backend": backend}, timeout=30
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def events(self, result_id: str) -> list[dict[str, str]]:
        """What Django's task signals recorded for a result (the shop's signals.py)."""
        response = httpx.get(f"{self.url}/events/{result_id}/", timeout=30)
        assert response.status_code == 200, response.text
        return list(response.json()["events"])

    def events_once(self, result_id: str, count: int) -> list[dict[str, str]]:
        """The result's events once there are ``count`` (the last is written by the worker
        after the job's outcome may already show)."""
        found: list[dict[str, str]] = []

        def recorded() -> bool:
            found[:] = self.events(result_id)
            return len(found) >= count

        wait_until(recorded, timeout=30, message=f"{count} signals of {result_id}")
        return found

    def finished(self, task: str, result_id: str) -> dict[str, Any]:
        found = wait_until(
            lambda: (r := self.result(task, result_id))["status"] in {"SUCCESSFUL", "FAILED"} and r,
            timeout=90,
            interval=0.3,
            message=f"{task} {result_id} to finish\n{self.platform.logs()}",
        )
        assert isinstance(found, dict)
        return found


def example_env(platform: Platform, db_url: str, *, pythonpath: list[Path]) -> dict[str, str]:
    """What the shop's processes run with: its settings, its database, conveyor's."""
    return {
        "PYTHONPATH": os.pathsep.join(str(p) for p in [EXAMPLE, *pythonpath]),
        "DJANGO_SETTINGS_MODULE": "example.settings",
        "DATABASE_URL": db_url,
        "CONVEYOR_DATABASE_URL": platform.env["DATABASE_URL"],
        "SHOP_CONVEYOR_CLIENT": "alice",
        # the shop's second TASKS backend, "rest": the same jobs over conveyor's API
        "SHOP_CONVEYOR_URL": platform.base_url,
        "SHOP_CONVEYOR_API_KEY": platform.keys["alice"],
    }


def django_version(python: Path, env: dict[str, str]) -> str:
    return run([str(python), "-c", "import django; print(django.get_version())"], env).strip()


# Django 5.2 with the django-tasks backport (this environment), and Django 6 with the
# built-in django.tasks (Python 3.12: tests/e2e/django6.py).
VERSIONS = [
    pytest.param("5.2", id="django5.2"),
    pytest.param("6.0", id="django6", marks=django6.marks()),
]


@pytest.fixture(scope="module", params=VERSIONS)
def shop(request: pytest.FixtureRequest) -> Iterator[Shop]:
    services.require("postgres")
    services.require("redis")
    version = request.param
    bin_dir, pythonpath = (BIN, []) if version == "5.2" else (django6.ensure(), django6.SERVICES)
    with Platform.running("redis", worker_queues="conveyor") as platform:
        name = f"{platform.db_name}_shop"
        db_url = urlsplit(platform.pg_url)._replace(path=f"/{name}").geturl()
        with psycopg.connect(platform.pg_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            env = example_env(platform, db_url, pythonpath=pythonpath)
            full_env = {**platform.env, **env}
            assert django_version(bin_dir / "python", full_env).startswith(version)
            manage = [str(bin_dir / "python"), str(EXAMPLE / "manage.py")]
            run([*manage, "migrate", "-v0"], full_env)
            run([*manage, "check", "--fail-level", "WARNING"], full_env)
            worker = ["-A", "conveyor_worker.app", "worker", "-Q", "default", "-c", "2"]
            platform.start(
                "shop-worker",
                [str(bin_dir / "celery"), *worker, "-n", "shop-worker@%h", "--loglevel=INFO"],
                CONVEYOR_HEARTBEAT_FILE=str(platform.data_dir / "shop-worker.heartbeat"),
                **env,
            )
            platform.wait_worker_ready("shop-worker")
            port = free_port()
            platform.start(
                "shop-web",
                [str(bin_dir / "gunicorn"), "example.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"],
                **env,
            )
            url = f"http://127.0.0.1:{port}"
            wait_until(
                lambda: httpx.get(f"{url}/orders/", timeout=5).status_code == 405,
                timeout=60,
                message="the shop's web server",
            )
            yield Shop(platform, url, db_url)
        finally:
            for proc in ("shop-web", "shop-worker"):
                if proc in platform.procs:
                    platform.procs.pop(proc).stop(timeout=20)
            with psycopg.connect(platform.pg_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_view_enqueues_the_tasks_run_with_the_shops_model(shop: Shop) -> None:
    # when the shop's view places an order (its tasks enqueued in its transaction)
    response = httpx.post(f"{shop.url}/orders/", json={"item": "tea", "quantity": 2}, timeout=30)
    assert response.status_code == 201, response.text
    placed = response.json()
    # then a worker with the shop's settings runs both tasks, and the view reads results
    fulfilment = shop.finished("fulfil_order", placed["fulfil_order"])
    assert fulfilment["status"] == "SUCCESSFUL", fulfilment
    assert fulfilment["return_value"] == {"order": placed["order"], "item": "tea", "quantity": 2}
    assert fulfilment["attempts"] == 1
    # the receipt task failed once, was retried, and succeeded
    receipt = shop.finished("send_receipt", placed["send_receipt"])
    assert receipt["status"] == "SUCCESSFUL", receipt
    # its context said which attempt, and which result, it was
    assert receipt["return_value"] == (
        f"Receipt for order {placed['order']}: 2 x tea, sent on attempt 2 "
        f"of task result {placed['send_receipt']}"
    )
    assert receipt["attempts"] == 2
    [error] = receipt["errors"]
    assert error["exception_class_path"] == "builtins.ConnectionError"
    assert "Traceback" in error["traceback"]
    assert "the mail server is busy" in error["traceback"]
    assert len(receipt["worker_ids"]) == 2
    assert all(worker.startswith("shop-worker@") for worker in receipt["worker_ids"])
    assert receipt["enqueued_at"] <= receipt["started_at"] < receipt["last_attempted_at"]
    assert receipt["last_attempted_at"] <= receipt["finished_at"]
    # the tasks changed the shop's own rows
    order = httpx.get(f"{shop.url}/orders/{placed['order']}/", timeout=30).json()
    assert order == {
        "item": "tea",
        "fulfilled": True,
        "receipt_attempts": 2,
        "receipt_sent": True,
        "packed_by": "",
    }
    # and conveyor's API shows the jobs to the shop's API client
    job = shop.platform.get(placed["send_receipt"])
    assert (job["type"], job["state"], job["attempts"]) == ("django.task", "succeeded", 2)
    assert job["params"]["task"] == "example.shop.tasks.send_receipt"
    assert job["params"]["args"] == [placed["order"]]
    assert job["result"] == receipt["return_value"]


def test_the_rest_backend_reads_the_same_task_result(shop: Shop) -> None:
    # given an order whose receipt task was retried once
    response = httpx.post(f"{shop.url}/orders/", json={"item": "pie", "quantity": 1}, timeout=30)
    assert response.status_code == 201, response.text
    receipt_id = response.json()["send_receipt"]
    in_process = shop.finished("send_receipt", receipt_id)
    assert in_process["attempts"] == 2, in_process
    # when the shop reads it over conveyor's REST API instead of conveyor's database
    over_rest = shop.result("send_receipt", receipt_id, backend="rest")
    # then it reads the same: status, value, errors with tracebacks, workers, instants
    assert over_rest == in_process


def test_djangos_task_signals_fire_where_djangos_backends_fire_them(shop: Shop) -> None:
    response = httpx.post(f"{shop.url}/orders/", json={"item": "jam", "quantity": 3}, timeout=30)
    assert response.status_code == 201, response.text
    placed = response.json()
    shop.finished("send_receipt", placed["send_receipt"])
    shop.finished("fulfil_order", placed["fulfil_order"])
    # task_enqueued in the view, task_started before each attempt on the worker,
    # task_finished once the task will not run again; the backend's class sends each
    seen = {
        task: shop.events_once(placed[task], count)
        for task, count in (("send_receipt", 4), ("fulfil_order", 3))
    }
    assert seen["send_receipt"] == [
        {"signal": "enqueued", "status": "READY", "backend": "ConveyorBackend"},
        {"signal": "started", "status": "RUNNING", "backend": "ConveyorBackend"},
        {"signal": "started", "status": "RUNNING", "backend": "ConveyorBackend"},
        {"signal": "finished", "status": "SUCCESSFUL", "backend": "ConveyorBackend"},
    ]
    assert [e["signal"] for e in seen["fulfil_order"]] == ["enqueued", "started", "finished"]


def test_the_shops_tasks_are_listed_with_their_argument_schema(shop: Shop) -> None:
    # the shop's worker advertised its tasks when it started
    response = shop.platform.http.get(
        f"{shop.platform.base_url}/v1/job-types", headers=shop.platform.headers()
    )
    assert response.status_code == 200, response.text
    [django_task] = [t for t in response.json()["results"] if t["name"] == "django.task"]
    tasks = {t["task"]: t for t in django_task["tasks"]}
    receipt = tasks["example.shop.tasks.send_receipt"]
    assert receipt["params_schema"]["properties"] == {"order_id": {"type": "integer"}}
    assert receipt["params_schema"]["required"] == ["order_id"]
    assert receipt["positional"] == ["order_id"]  # not its context
    assert receipt["takes_context"] is True
    assert receipt["queue"] == "default"
    assert receipt["description"].startswith("Mail the receipt.")
    assert receipt["worker"].startswith("shop-worker@")
    assert "example.shop.tasks.fulfil_order" in tasks
    # not the Celery task: it is not a Django task
    assert "example.shop.tasks.pack_order" not in tasks


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        (
            {"task": "example.shop.tasks.send_receipt", "args": ["seven"]},
            "params.args[0]",
            "argument 'order_id' of task example.shop.tasks.send_receipt",
        ),
        (
            {"task": "example.shop.tasks.send_receipt", "kwargs": {"order": 7}},
            "params.kwargs",
            "'order_id' is a required property",
        ),
        (
            {"task": "example.shop.tasks.no_such_task", "args": [7]},
            "params.task",
            "No worker advertised task 'example.shop.tasks.no_such_task'",
        ),
    ],
    ids=["wrong-type", "wrong-name", "unknown-task"],
)
def test_a_rest_submission_is_checked_against_the_advertised_task(
    shop: Shop, params: dict[str, Any], field: str, says: str
) -> None:
    jobs_before = shop.platform.job_count()
    response = shop.platform.http.post(
        f"{shop.platform.base_url}/v1/jobs",
        json={"type": "django.task", "params": params},
        headers=shop.platform.headers(),
    )
    assert response.status_code == 400, response.text
    problems = [(e["field"], e["message"]) for e in response.json()["errors"]]
    assert any(f == field and says in message for f, message in problems), problems
    assert shop.platform.job_count() == jobs_before


def test_a_celery_shared_task_runs_on_the_shops_conveyor_worker(shop: Shop) -> None:
    # given an order, and the shop's Celery task not yet moved to @task (pack_order)
    response = httpx.post(f"{shop.url}/orders/", json={"item": "jam", "quantity": 1}, timeout=30)
    assert response.status_code == 201, response.text
    order_id = response.json()["order"]
    jobs_before = shop.platform.job_count()
    # when the shop's view sends it as it always has, with .delay()
    response = httpx.post(f"{shop.url}/orders/{order_id}/pack/", timeout=30)
    assert response.status_code == 202, response.text
    # then conveyor's worker started with the shop's settings runs it, on the shop's model
    packed_by = wait_until(
        lambda: httpx.get(f"{shop.url}/orders/{order_id}/", timeout=30).json()["packed_by"],
        timeout=90,
        interval=0.3,
        message=f"pack_order to run\n{shop.platform.logs()}",
    )
    assert isinstance(packed_by, str)
    assert packed_by.startswith("shop-worker@"), packed_by
    # a plain Celery message: no conveyor job was made for it
    assert shop.platform.job_count() == jobs_before


def test_each_database_holds_only_its_own_tables(shop: Shop) -> None:
    shop_tables = {row[0] for row in shop.sql("SELECT tablename FROM pg_tables")}
    conveyor_tables = {row[0] for row in shop.platform.sql("SELECT tablename FROM pg_tables")}
    assert "shop_order" in shop_tables
    assert not {t for t in shop_tables if t.startswith(("jobs_", "clients_", "django_celery"))}
    assert "jobs_job" in conveyor_tables
    assert "shop_order" not in conveyor_tables


def test_a_rolled_back_order_enqueues_nothing(shop: Shop) -> None:
    orders_before = shop.sql("SELECT count(*) FROM shop_order")[0][0]
    enqueued = "SELECT count(*) FROM shop_taskevent WHERE signal = 'enqueued'"
    enqueued_before = shop.sql(enqueued)[0][0]
    jobs_before = shop.platform.job_count()
    # when the view enqueues the tasks, then its transaction rolls back (card declined)
    response = httpx.post(f"{shop.url}/orders/", json={"item": "tea", "quantity": 99}, timeout=30)
    assert response.status_code == 402, response.text
    # then neither the order nor any job was stored
    assert shop.sql("SELECT count(*) FROM shop_order")[0][0] == orders_before
    assert shop.platform.job_count() == jobs_before
    # nor what the task_enqueued receivers wrote in the same transaction
    assert shop.sql(enqueued)[0][0] == enqueued_before
