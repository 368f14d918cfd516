"""A real celery worker and beat on the test database and broker, running the tests'
Django tasks with ``tests.djangotasks.settings``; the test process enqueues through the
same TASKS backend (pytest-django's ``settings``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from kombu import Queue

from conveyor.clients.scopes import DEFAULT_SCOPES
from conveyor.clients.services import api_client_create
from conveyor.config.celery import app
from conveyor_worker.tasks_advertised import advertise_project_tasks
from tests import shared_services as services
from tests.djangotasks import settings as task_settings
from tests.procs import BIN, Proc, wait_until

EXTRA_QUEUES = ["low", "parked"]


@pytest.fixture(scope="module")
def task_worker(django_db_setup: None, django_db_blocker: Any) -> Iterator[Proc]:
    """A celery worker (queues default, conveyor, low: not parked) and a beat for the
    dispatcher (retries, run_after), both on the test database."""
    services.require("postgres")
    services.require("redis")
    data_dir = Path(tempfile.mkdtemp(prefix="conveyor-djangotasks-"))
    env = {
        **os.environ,
        "DATABASE_URL": services.pg_database_url(str(connection.settings_dict["NAME"])),
        "DJANGO_SETTINGS_MODULE": "tests.djangotasks.settings",
        "CONVEYOR_EXTRA_QUEUES": ",".join(EXTRA_QUEUES),
        "CONVEYOR_DATA_DIR": str(data_dir),
        "CONVEYOR_HEARTBEAT_FILE": str(data_dir / "worker.heartbeat"),
        # beat's schedule in a file: the tests' database is emptied after each test
        "CELERY_BEAT_SCHEDULER": "celery.beat:PersistentScheduler",
        "PYTHONUNBUFFERED": "1",
    }
    celery = str(BIN / "celery")
    worker = Proc(
        "worker",
        [
            celery,
            "-A",
            "conveyor_worker.app",
            "worker",
            "-Q",
            "default,conveyor,low",
            "-c",
            "2",
            "-n",
            "djangotasks@%h",
            "--loglevel=INFO",
        ],
        env,
        data_dir / "worker.log",
    ).start()
    beat = Proc(
        "beat",
        [
            celery,
            "-A",
            "conveyor_worker.app",
            "beat",
            "--loglevel=INFO",
            "--schedule",
            str(data_dir / "beat-schedule"),
        ],
        env,
        data_dir / "beat.log",
    ).start()
    try:
        wait_until(
            lambda: " ready." in worker.log_tail(400),
            timeout=90,
            message=f"the worker to consume (its log: {worker.log_path})",
        )
        yield worker
    finally:
        beat.stop(timeout=20)
        worker.stop(timeout=20)


@pytest.fixture
def tasks_on_conveyor(settings: Any, task_worker: Proc) -> Proc:
    """This process's TASKS as the worker's, with the tests' API client and queues."""
    import django_tasks.signals  # noqa: F401  (resets the backends when TASKS changes)

    settings.CONVEYOR_EXTRA_QUEUES = EXTRA_QUEUES
    settings.TASKS = task_settings.TASKS
    settings.CONVEYOR_TASK_MODULES = task_settings.CONVEYOR_TASK_MODULES
    api_client_create(name=task_settings.TASK_CLIENT, scopes=DEFAULT_SCOPES)
    # the worker advertised the tasks at its start, and each test's flush deleted them:
    # advertise them again, as the worker does (tests/e2e show a worker's own advertising)
    assert advertise_project_tasks("djangotasks@tests") > 0
    with app.connection_for_write() as conn:  # what an earlier test parked
        Queue("parked")(conn.default_channel).purge()
    return task_worker
