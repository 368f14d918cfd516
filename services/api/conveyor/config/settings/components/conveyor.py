"""conveyor's own settings: limits, leases, queues, the job type modules."""

from __future__ import annotations

from datetime import timedelta

from conveyor.config.env import env_bool, env_float, env_int, env_list, env_seconds, env_str

# Where job type specs are declared: modules the API and the worker import once to fill
# the job type registry. They hold no handler code (conveyor/jobs/types.py).
CONVEYOR_JOB_TYPE_MODULES = env_list("CONVEYOR_JOB_TYPE_MODULES", ["conveyor.jobtypes"])
# Where the worker's handlers are registered (conveyor_worker/registry.py); only the
# worker imports them.
CONVEYOR_HANDLER_MODULES = env_list("CONVEYOR_HANDLER_MODULES", ["conveyor_worker.handlers"])
# Modules of Django tasks (@task) a worker advertises at start besides each installed app's
# `tasks` module (conveyor/djangotasks/advertising.py, docs/django.md).
CONVEYOR_TASK_MODULES = env_list("CONVEYOR_TASK_MODULES", [])
# What follows a job reaching a final state, in the transaction that moves it there, in
# this order (conveyor/jobs/hooks.py).
CONVEYOR_FINAL_HOOKS = env_list(
    "CONVEYOR_FINAL_HOOKS",
    # The workflows' first: the jobs it releases or cancels are settled before the
    # webhook of the job that ended them is stored.
    ["conveyor.workflows.hooks.WorkflowOnFinal", "conveyor.webhooks.hooks.WebhookOnFinal"],
)
# The database alias of conveyor's tables: "default", unless a Django project runs
# conveyor's apps beside its own and keeps them in an alias of their own (docs/django.md).
CONVEYOR_DATABASE = env_str("CONVEYOR_DATABASE", "default")
# Queues a job may name besides the ones its job types declare.
CONVEYOR_EXTRA_QUEUES = env_list("CONVEYOR_EXTRA_QUEUES", [])
# The queue for conveyor's own periodic work (the dispatcher); every deployment needs
# one worker consuming it.
CONVEYOR_SYSTEM_QUEUE = env_str("CONVEYOR_SYSTEM_QUEUE", "conveyor")
# POST /v1/jobs served without Django's request handling when it is a plain submission
# (conveyor/jobs/direct_submit.py; docs/performance.md#direct-submit).
CONVEYOR_DIRECT_SUBMIT = env_bool("CONVEYOR_DIRECT_SUBMIT", True)
# PostgreSQL prepares the hot statements once per connection (conveyor/core/prepared.py);
# off for a pooler that cannot carry prepared statements (PgBouncer in transaction mode
# before 1.21).
CONVEYOR_PREPARED_STATEMENTS = env_bool("CONVEYOR_PREPARED_STATEMENTS", True)
# A submission publishes its message while PostgreSQL inserts the row, not after it
# (conveyor/jobs/services.py job_store; docs/performance.md#early-publish).
CONVEYOR_EARLY_PUBLISH = env_bool("CONVEYOR_EARLY_PUBLISH", True)
# Requests with a larger body are refused with 413.
CONVEYOR_MAX_BODY_BYTES = env_int("CONVEYOR_MAX_BODY_BYTES", 1024 * 1024, minimum=1024)
# Each API process remembers a valid API key's client this long (0: never), saving a
# query per request; a revoked key keeps working at most this long (clients/keycache.py).
CONVEYOR_API_KEY_CACHE = env_seconds("CONVEYOR_API_KEY_CACHE_SECONDS", 5)
# A running job's lease: renewed by its worker; a lapsed lease means the worker is gone.
CONVEYOR_LEASE = env_seconds("CONVEYOR_LEASE_SECONDS", 30)
# How long a running job may ignore a cancel before its process is terminated.
CONVEYOR_CANCEL_GRACE = env_seconds("CONVEYOR_CANCEL_GRACE_SECONDS", 10)
# Hard time limit = the job's timeout plus this grace, for handlers that ignore the soft one.
CONVEYOR_HARD_LIMIT_GRACE = env_seconds("CONVEYOR_HARD_LIMIT_GRACE_SECONDS", 10)
# http.request and webhooks: networks (CIDR) that may be called although not plainly
# global unicast (private, loopback, link-local, NAT64, ...: docs/security.md).
CONVEYOR_HTTP_ALLOWED_NETWORKS = env_list("CONVEYOR_HTTP_ALLOWED_NETWORKS", [])
# http.request: the most response body bytes kept in a job's result.
CONVEYOR_HTTP_MAX_BODY_BYTES = env_int("CONVEYOR_HTTP_MAX_BODY_BYTES", 64 * 1024, minimum=0)
DATA_UPLOAD_MAX_MEMORY_SIZE = CONVEYOR_MAX_BODY_BYTES
# POST /v1/jobs/batch publishes its jobs as bundles: one message carrying up to this many
# job ids of one queue and priority, claimed by the worker in one statement (1: a message
# per job). docs/performance.md#bundles.
CONVEYOR_BUNDLE_MAX_JOBS = env_int("CONVEYOR_BUNDLE_MAX_JOBS", 32, minimum=1)
# ... and into at least this many messages (when it has that many jobs), so a small batch
# still reaches as many idle worker processes.
CONVEYOR_BUNDLE_SPREAD = env_int("CONVEYOR_BUNDLE_SPREAD", 8, minimum=1)
# A worker starts the jobs of a bundle one after another for at most this long; what it
# has not started by then is handed back and published again, for other processes (long
# jobs in a bundle never hide the rest of it for longer).
CONVEYOR_BUNDLE_HOLD = env_seconds("CONVEYOR_BUNDLE_HOLD_SECONDS", 2)
# A bundle sends a job's success on a connection of its own and runs the next job while
# PostgreSQL commits it (conveyor_worker/pipelining.py; docs/performance.md#pipelined-outcomes).
CONVEYOR_BUNDLE_PIPELINE = env_bool("CONVEYOR_BUNDLE_PIPELINE", True)
# After a failed publish, skip publishing for this long (the reconciler sends them later).
CONVEYOR_PUBLISH_BACKOFF = env_seconds("CONVEYOR_PUBLISH_BACKOFF_SECONDS", 3)
# The reconciler sends again queued jobs whose message has been missing for this long.
CONVEYOR_REPUBLISH_AFTER = env_seconds("CONVEYOR_REPUBLISH_AFTER_SECONDS", 15)
# How long a worker keeps retrying a database write that fails (the database is down).
CONVEYOR_DB_RETRY = env_seconds("CONVEYOR_DB_RETRY_SECONDS", 60)
# On SIGTERM, running jobs get this long to finish; the rest go back to the queue.
CONVEYOR_SHUTDOWN_GRACE = env_seconds("CONVEYOR_SHUTDOWN_GRACE_SECONDS", 25)
# A worker without a job type's handler gives the job back, unused, to wait this long
# before it is queued again (for a worker that has it: a rolling deploy adds job types
# to the API and to workers at different times) ...
CONVEYOR_HAND_BACK_DELAY = env_seconds("CONVEYOR_HAND_BACK_DELAY_SECONDS", 5)
# ... until this long after the job's submission: then it fails with UnknownJobType.
CONVEYOR_UNHANDLED_TYPE_GRACE = env_seconds("CONVEYOR_UNHANDLED_TYPE_GRACE_SECONDS", 900)
# How long an Idempotency-Key on POST /v1/jobs is remembered.
CONVEYOR_IDEMPOTENCY_TTL = env_seconds("CONVEYOR_IDEMPOTENCY_TTL_SECONDS", 24 * 3600)
# Finished jobs (succeeded, failed, cancelled) older than this many days are deleted by
# the retention task, with their attempts and webhook deliveries; 0 keeps them forever.
_retention_days = env_float("CONVEYOR_JOB_RETENTION_DAYS", 30)
CONVEYOR_JOB_RETENTION = timedelta(days=_retention_days) if _retention_days > 0 else None
# Failed jobs are kept this many days instead (to look into them longer than at the
# succeeded ones); 0 keeps them forever. Unset: as CONVEYOR_JOB_RETENTION_DAYS.
_failed_retention_days = env_float("CONVEYOR_FAILED_JOB_RETENTION_DAYS", _retention_days)
CONVEYOR_FAILED_JOB_RETENTION = (
    timedelta(days=_failed_retention_days) if _failed_retention_days > 0 else None
)
# Rows deleted per transaction by the retention task: short locks, small transactions.
CONVEYOR_RETENTION_BATCH_SIZE = env_int("CONVEYOR_RETENTION_BATCH_SIZE", 1000, minimum=1)
# GET /v1/jobs/{id}?wait=N: the largest N (seconds) a client may ask for.
CONVEYOR_LONG_POLL_MAX = env_seconds("CONVEYOR_LONG_POLL_MAX_SECONDS", 30)
# GET /v1/jobs/{id}?wait=N: the most long-polls one API process holds at once; beyond it a
# wait is answered at once, shortened (jobs/longpoll.py). A wait holds no thread and no
# database connection, only its socket and a few KiB: the bound is on those.
CONVEYOR_LONG_POLL_MAX_PER_PROCESS = env_int("CONVEYOR_LONG_POLL_MAX_PER_PROCESS", 1000, minimum=0)
# A worker reports itself (queues, concurrency, version: GET /v1/workers) and checks which
# of its queues are paused this often (conveyor_worker/presence.py); a pause or resume
# reaches workers at once by a broadcast, this is the fallback.
CONVEYOR_WORKER_REPORT = env_seconds("CONVEYOR_WORKER_REPORT_SECONDS", 5)
# A worker that has not reported for this long is gone: GET /v1/workers leaves it out.
CONVEYOR_WORKER_GONE_AFTER = env_seconds("CONVEYOR_WORKER_GONE_AFTER_SECONDS", 30)
