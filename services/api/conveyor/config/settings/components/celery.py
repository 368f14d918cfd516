"""Celery settings, one per line, each with the reason it is set this way."""

from __future__ import annotations

from conveyor.config import broker_url, tasks
from conveyor.config.env import data_dir, env_bool, env_float, env_int, env_str
from conveyor.config.settings.components.conveyor import CONVEYOR_SYSTEM_QUEUE

_data_dir = data_dir()

# The broker. The embedded default is kombu's SQLAlchemy transport on a SQLite file, so
# `make run` needs no server; BROKER_URL=redis://… or amqp://… selects a real broker.
CELERY_BROKER_URL = env_str("BROKER_URL", f"sqla+sqlite:///{_data_dir / 'broker.sqlite3'}")

_scheme = broker_url.broker_scheme(CELERY_BROKER_URL)

# The longest time any job may run (seconds): the broker must not redeliver before it.
CONVEYOR_MAX_JOB_SECONDS = env_int("CONVEYOR_MAX_JOB_SECONDS", 3600, minimum=1)

# Per-transport options. Redis redelivers an unacked message after the visibility
# timeout, so it must exceed the longest job. (The SQL transport passes its options to
# SQLAlchemy's create_engine, so it gets none; it polls its tables once a second.)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if _scheme in broker_url.REDIS_SCHEMES:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Several deployments (or test runs) can share one Redis under distinct prefixes.
        "global_keyprefix": env_str("CONVEYOR_BROKER_KEY_PREFIX", ""),
        "visibility_timeout": CONVEYOR_MAX_JOB_SECONDS + 600,
        "health_check_interval": 10,
        "socket_keepalive": True,
        "socket_connect_timeout": 5,
        # Message priorities: one Redis list per priority step, all ten of them (kombu's
        # default has four: 0, 3, 6, 9). kombu's Redis takes LOWER numbers first, so
        # jobs/publishing.py sends API priority p as 9 - p. (No queue_order_strategy
        # "priority": that orders queues, and would starve the system queue behind a
        # busy job queue.) The queue depth (reconciler, metrics) sums every step's list.
        "priority_steps": list(range(10)),
    }
elif _scheme in broker_url.AMQP_SCHEMES:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Publisher confirms: a publish returns only once the broker has the message.
        "confirm_publish": True,
    }

# RabbitMQ: every queue conveyor declares (job queues, extra queues, the system queue;
# producer and consumer alike, as Celery creates them on first use) is a priority queue
# with x-max-priority 10, so API priorities 0-9 order the messages. A queue that exists
# already WITHOUT this argument makes the declare fail with PRECONDITION_FAILED: drain
# and delete it first (docs/worker.md#priority), or set CONVEYOR_QUEUE_MAX_PRIORITY=0 to
# declare queues without priorities, as before.
_max_priority = env_int("CONVEYOR_QUEUE_MAX_PRIORITY", 10, minimum=0)
CELERY_TASK_QUEUE_MAX_PRIORITY: int | None = (
    _max_priority if _scheme in broker_url.AMQP_SCHEMES and _max_priority else None
)

# Keep retrying the broker connection at startup (pods start before their broker).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Reuse broker connections across publishes in the API (one pool per process).
CELERY_BROKER_POOL_LIMIT = env_int("CELERY_BROKER_POOL_LIMIT", 10, minimum=1)
# JSON only, never pickle: a message is a job id, nothing else.
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
# No result backend: the Job row is the only record of an outcome.
CELERY_RESULT_BACKEND: str | None = None
CELERY_TASK_IGNORE_RESULT = True
# Acknowledge after the job ran, so a worker that dies mid-job gets its message redelivered.
CELERY_TASK_ACKS_LATE = True
# …and a child killed by the OS (OOM, kill -9) counts as lost, not done.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Prefetch one message per process: a long job never hides others from idle workers.
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_WORKER_PREFETCH_MULTIPLIER", 1, minimum=1)
# The queue a message goes to when a job names none.
CELERY_TASK_DEFAULT_QUEUE = env_str("CONVEYOR_DEFAULT_QUEUE", "default")
# Our lease decides who runs a job; a lost connection does not have to kill running jobs.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Rate limits are enforced by conveyor across workers, not by Celery per worker.
CELERY_WORKER_DISABLE_RATE_LIMITS = True
# No task events or sent events: nothing consumes them and they cost a publish per task.
CELERY_WORKER_SEND_TASK_EVENTS = env_bool("CELERY_WORKER_SEND_TASK_EVENTS", False)
CELERY_TASK_SEND_SENT_EVENT = False
# Celery's Django fixup closes the database connection around every task unless this is
# set; a worker then opens one connection per job. Reuse it (for this many tasks, then
# recycle); conveyor_worker/app.py drops broken or expired ones before each task but a
# job, whose claim replaces a broken connection itself (conveyor_worker/dbretry.py).
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000, minimum=1)
# Leave logging to Django's LOGGING setting.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Children are recycled after this many jobs to contain slow leaks in handlers.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 10000, minimum=1)
# Beat keeps its schedule state under the data dir (the chart mounts an emptyDir there).
# (Only the file-based CELERY_BEAT_SCHEDULER=celery.beat:PersistentScheduler uses it.)
CELERY_BEAT_SCHEDULE_FILENAME = str(_data_dir / "celerybeat-schedule")
# Beat reads its schedule from the database (django-celery-beat), so schedules made over
# the API or in the admin reach every beat, and the static entries below are written there
# on start. Every beat started without --scheduler uses it.
CELERY_BEAT_SCHEDULER = env_str(
    "CELERY_BEAT_SCHEDULER", "django_celery_beat.schedulers:DatabaseScheduler"
)
_database_beat = CELERY_BEAT_SCHEDULER.startswith("django_celery_beat")

# How often beat sends each of conveyor's periodic tasks (seconds).
_dispatch_seconds = env_float("CONVEYOR_DISPATCH_INTERVAL_SECONDS", 1.0)
_reconcile_seconds = env_float("CONVEYOR_RECONCILE_INTERVAL_SECONDS", 5.0)
_retention_seconds = env_float("CONVEYOR_RETENTION_INTERVAL_SECONDS", 3600.0)
if _database_beat:
    # The database keeps intervals in whole seconds (0.5 would become 0: every tick).
    _dispatch_seconds = float(max(1, round(_dispatch_seconds)))
    _reconcile_seconds = float(max(1, round(_reconcile_seconds)))
    _retention_seconds = float(max(1, round(_retention_seconds)))
# conveyor's own tasks go to the system queue, never behind user jobs.
CELERY_TASK_ROUTES = {name: {"queue": CONVEYOR_SYSTEM_QUEUE} for name in tasks.SYSTEM_TASKS}
# The database scheduler reads a message's expiry from "expire_seconds" (whole seconds).
_expires = "expire_seconds" if _database_beat else "expires"
# Beat sends the dispatcher every interval; an undelivered one expires instead of piling up.
CELERY_BEAT_SCHEDULE = {
    "conveyor-dispatch": {
        "task": tasks.DISPATCH_TASK,
        "schedule": _dispatch_seconds,
        "options": {"queue": CONVEYOR_SYSTEM_QUEUE, _expires: int(max(_dispatch_seconds * 5, 5))},
    },
    "conveyor-reconcile": {
        "task": tasks.RECONCILE_TASK,
        "schedule": _reconcile_seconds,
        "options": {
            "queue": CONVEYOR_SYSTEM_QUEUE,
            _expires: int(max(_reconcile_seconds * 2, 5)),
        },
    },
    # Deletes finished jobs past CONVEYOR_JOB_RETENTION_DAYS and expired idempotency keys.
    "conveyor-retention": {
        "task": tasks.RETENTION_TASK,
        "schedule": _retention_seconds,
        "options": {"queue": CONVEYOR_SYSTEM_QUEUE, _expires: int(max(_retention_seconds, 5))},
    },
}
