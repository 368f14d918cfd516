"""The Celery app as the worker and beat load it: ``celery -A conveyor_worker.app worker``."""

from __future__ import annotations

import logging.config
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")
# Celery's Django fixup runs every system check when the worker starts and drops what they
# report; the URL and template checks alone import the whole HTTP API (DRF, drf-spectacular,
# the admin), which a worker never serves. `conveyor migrate` (the migrations Job) and
# `conveyor check` run the checks; set CELERY_SKIP_CHECKS= (empty) to run them here too.
os.environ.setdefault("CELERY_SKIP_CHECKS", "true")
django.setup()

from celery.signals import setup_logging, task_prerun, worker_init  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import close_old_connections  # noqa: E402

from conveyor.config.celery import app  # noqa: E402
from conveyor.config.tasks import EXECUTE_BUNDLE_TASK, EXECUTE_JOB_TASK  # noqa: E402
from conveyor.jobs.hooks import final_hooks  # noqa: E402
from conveyor_worker import (  # noqa: E402,F401  (they register the tasks)
    bundles,
    deletion_cost,
    execute,
    metrics,
    periodic,
    schedules,
    sharing,
    shutdown,
    tracing,
    webhooks,
)
from conveyor_worker.consumer import Consumer  # noqa: E402
from conveyor_worker.heartbeat import HeartbeatStep  # noqa: E402
from conveyor_worker.presence import PresenceStep  # noqa: E402
from conveyor_worker.registry import load_handlers  # noqa: E402
from conveyor_worker.tasks_advertised import advertise_project_tasks  # noqa: E402
from conveyor_worker.worker import Worker  # noqa: E402


@task_prerun.connect(weak=False)
def _fresh_connections(sender: object = None, **kwargs: object) -> None:
    """Before each task, as before each request: drop broken or expired DB connections.

    Not before a job: the check is a ``SELECT 1`` round trip (CONN_HEALTH_CHECKS), a sixth
    of what a no-op job costs, and a job's first statement, its claim, already replaces a
    broken connection and tries again (``dbretry``). Connections still get recycled every
    CELERY_DB_REUSE_MAX tasks by Celery's own Django fixup.
    """
    if getattr(sender, "name", None) in (EXECUTE_JOB_TASK, EXECUTE_BUNDLE_TASK):
        return
    close_old_connections()


@worker_init.connect(weak=False)
def _load_registries(sender: object = None, **kwargs: object) -> None:
    """Load the job type specs, the handlers and the final hooks once, in the main process
    before its pool forks: every child starts with them, and a module that fails to load
    stops the worker at start rather than failing its first job. Then advertise the Django
    project's tasks this worker runs (tasks_advertised.py)."""
    load_handlers()
    final_hooks()
    advertise_project_tasks(str(getattr(sender, "hostname", "")))


@setup_logging.connect(weak=False)
def _django_logging(**kwargs: object) -> None:
    """Log as Django's LOGGING says (Celery would otherwise install its own handlers)."""
    logging.config.dictConfig(settings.LOGGING)


# A Django project's Celery code keeps running on its pool while it moves to django.tasks
# (docs/django.md#celery-code): like the project's own Celery app, the worker imports the
# `tasks` module of every installed app when it starts, so their @shared_task functions
# register on this app and the messages their .delay() sends are run, not dropped as
# unregistered. (conveyor's own apps have no `tasks` module.)
app.autodiscover_tasks()
# Workers run without gossip and mingle, whatever the command line says (see worker.py).
# (Celery names its Worker class in a cached property, with no setting to change it.)
app.Worker = app.subclass_with_self(Worker)  # type: ignore[misc]  # a cached property
# A lost broker connection never leaves the consumer silent (see consumer.py).
app.conf.worker_consumer = Consumer
# The liveness heartbeat runs in every worker's consumer (see heartbeat.py).
app.steps["consumer"].add(HeartbeatStep)
# Every worker reports itself (GET /v1/workers) and consumes no paused queue (presence.py).
app.steps["consumer"].add(PresenceStep)
# SIGTERM: finish running jobs within a grace period, hand back the rest (see shutdown.py).
shutdown.install()
# The pool's processes keep sharing what the main process loaded (see sharing.py).
sharing.install()
# Prometheus metrics on port 9808, and the pod-deletion-cost annotation in a cluster.
metrics.install()
deletion_cost.install()
# Traces over OTLP when OTEL_* asks for them (see tracing.py; docs/observability.md).
tracing.install()

__all__ = ["app"]
