"""conveyor's settings: every value comes from the environment or a documented default.

The components (celery, drf, logging, security) live in small modules next to this one.
"""

from __future__ import annotations

import dj_database_url
import django_stubs_ext

from conveyor.config.env import data_dir, env_bool, env_int, env_list, env_str

django_stubs_ext.monkeypatch()

# DATA_DIR holds the embedded default's SQLite files (database and broker).
DATA_DIR = data_dir()

# SECRET_KEY has no default: a deployment that forgets it must fail, not run with a known key.
SECRET_KEY = env_str("SECRET_KEY")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
# In Kubernetes, Prometheus scrapes /metrics at the pod's IP: the chart passes it in.
if env_str("POD_IP", ""):
    ALLOWED_HOSTS.append(env_str("POD_IP"))

INSTALLED_APPS = [
    # The admin, its admin.py modules imported by config/urls.py: only a process serving
    # HTTP loads them (and the serializers they use), never the worker or beat.
    "conveyor.core.adminapp.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # The admin's login locks an account out after repeated failures (security.py).
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "conveyor.core",
    "conveyor.clients",
    "conveyor.jobs",
    "conveyor.queues",
    "django_celery_beat",
    "conveyor.schedules",
    "conveyor.ratelimits",
    "conveyor.webhooks",
    # The operators' live dashboard, /dashboard/ (docs/dashboard.md).
    "conveyor.dashboard",
    "conveyor.workflows",
]

MIDDLEWARE = [
    "conveyor.core.security.MetricsPortMiddleware",
    "conveyor.core.metrics.MetricsMiddleware",
    "conveyor.core.middleware.BodySizeLimitMiddleware",
    # Django's Security, Common and XFrameOptions middleware, their hooks on the event
    # loop rather than a thread hop each (core/middleware.py).
    "conveyor.core.middleware.SecurityMiddleware",
    "conveyor.core.security.HttpsRedirectMiddleware",
    "conveyor.core.security.ContentSecurityPolicyMiddleware",
    # WhiteNoise for STATIC_URL's paths only, so the chain stays async (core/middleware.py).
    "conveyor.core.middleware.StaticFilesMiddleware",
    "conveyor.core.middleware.CommonMiddleware",
    # Sessions, CSRF, authentication and messages, for the admin only: skipped on /v1/,
    # the probes and /metrics, where no cookie is used (core/middleware.py).
    "conveyor.core.middleware.BrowserOnlyMiddleware",
    "conveyor.core.middleware.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers a locked-out login attempt with 429.
    "axes.middleware.AxesMiddleware",
]
# The admin's checks look for its session, authentication and messages middleware in
# MIDDLEWARE by name; BrowserOnlyMiddleware runs them for every path the admin serves
# (tests/api/test_admin.py logs in and acts through it): SILENCED_SYSTEM_CHECKS, in
# components/security.py, silences those checks.

ROOT_URLCONF = "conveyor.config.urls"
WSGI_APPLICATION = "conveyor.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'conveyor.sqlite3'}")
    config: dict[str, object] = dict(
        dj_database_url.parse(
            url,
            # Persistent connections: a worker runs thousands of jobs per connection.
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
            conn_health_checks=True,
        )
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # The embedded default shares one file between gunicorn, the worker and beat:
        # WAL lets readers run beside the writer, IMMEDIATE takes the write lock up
        # front (no upgrade deadlocks), and the timeout waits for it instead of failing.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
        config["CONN_MAX_AGE"] = 0
    else:
        # libpq waits for a silent server forever by default; a bounded connect keeps a
        # blackholed database from holding request threads (and /readyz) with it.
        options = config.setdefault("OPTIONS", {})
        assert isinstance(options, dict)
        options.setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1))
        # A pool of connections per process (Django's psycopg_pool), for the API: under
        # ASGI each request's sync code runs in a thread of its own (asgiref), so a
        # persistent connection per thread would be a new connection per request. Set by
        # the API's ASGI entry point (config/asgi.py); 0 (workers, beat): no pool.
        pool_size = env_int("DATABASE_POOL_MAX_SIZE", 0, minimum=0)
        if pool_size:
            options["pool"] = {
                "min_size": min(2, pool_size),
                "max_size": pool_size,
                # A request waits this long for a connection, then fails (503 at /readyz).
                "timeout": env_int("DATABASE_POOL_TIMEOUT", 10, minimum=1),
            }
            config["CONN_MAX_AGE"] = 0
            # Django's backend, its pool checking each connection it lends by its socket
            # first, not by an empty query per request (core/pooled_postgresql).
            config["ENGINE"] = "conveyor.core.pooled_postgresql"
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
# Collected at image build time (`conveyor collectstatic`), served by whitenoise.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_ROOT = env_str("STATIC_ROOT", str(DATA_DIR / "static"))

# The components: each owns one area and reads its own environment variables. Their names
# are imported one by one (not with *), so a reader and mypy's Django plugin see them all.
from conveyor.config.settings.components.celery import (
    CELERY_ACCEPT_CONTENT,
    CELERY_BEAT_SCHEDULE,
    CELERY_BEAT_SCHEDULE_FILENAME,
    CELERY_BEAT_SCHEDULER,
    CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP,
    CELERY_BROKER_POOL_LIMIT,
    CELERY_BROKER_TRANSPORT_OPTIONS,
    CELERY_BROKER_URL,
    CELERY_DB_REUSE_MAX,
    CELERY_RESULT_BACKEND,
    CELERY_RESULT_SERIALIZER,
    CELERY_TASK_ACKS_LATE,
    CELERY_TASK_DEFAULT_QUEUE,
    CELERY_TASK_IGNORE_RESULT,
    CELERY_TASK_QUEUE_MAX_PRIORITY,
    CELERY_TASK_REJECT_ON_WORKER_LOST,
    CELERY_TASK_ROUTES,
    CELERY_TASK_SEND_SENT_EVENT,
    CELERY_TASK_SERIALIZER,
    CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS,
    CELERY_WORKER_DISABLE_RATE_LIMITS,
    CELERY_WORKER_HIJACK_ROOT_LOGGER,
    CELERY_WORKER_MAX_TASKS_PER_CHILD,
    CELERY_WORKER_PREFETCH_MULTIPLIER,
    CELERY_WORKER_SEND_TASK_EVENTS,
    CONVEYOR_MAX_JOB_SECONDS,
)
from conveyor.config.settings.components.conveyor import (
    CONVEYOR_API_KEY_CACHE,
    CONVEYOR_BUNDLE_HOLD,
    CONVEYOR_BUNDLE_MAX_JOBS,
    CONVEYOR_BUNDLE_PIPELINE,
    CONVEYOR_BUNDLE_SPREAD,
    CONVEYOR_CANCEL_GRACE,
    CONVEYOR_DATABASE,
    CONVEYOR_DB_RETRY,
    CONVEYOR_DIRECT_SUBMIT,
    CONVEYOR_EARLY_PUBLISH,
    CONVEYOR_EXTRA_QUEUES,
    CONVEYOR_FAILED_JOB_RETENTION,
    CONVEYOR_FINAL_HOOKS,
    CONVEYOR_HAND_BACK_DELAY,
    CONVEYOR_HANDLER_MODULES,
    CONVEYOR_HARD_LIMIT_GRACE,
    CONVEYOR_HTTP_ALLOWED_NETWORKS,
    CONVEYOR_HTTP_MAX_BODY_BYTES,
    CONVEYOR_IDEMPOTENCY_TTL,
    CONVEYOR_JOB_RETENTION,
    CONVEYOR_JOB_TYPE_MODULES,
    CONVEYOR_LEASE,
    CONVEYOR_LONG_POLL_MAX,
    CONVEYOR_LONG_POLL_MAX_PER_PROCESS,
    CONVEYOR_MAX_BODY_BYTES,
    CONVEYOR_PREPARED_STATEMENTS,
    CONVEYOR_PUBLISH_BACKOFF,
    CONVEYOR_REPUBLISH_AFTER,
    CONVEYOR_RETENTION_BATCH_SIZE,
    CONVEYOR_SHUTDOWN_GRACE,
    CONVEYOR_SYSTEM_QUEUE,
    CONVEYOR_TASK_MODULES,
    CONVEYOR_UNHANDLED_TYPE_GRACE,
    CONVEYOR_WORKER_GONE_AFTER,
    CONVEYOR_WORKER_REPORT,
    DATA_UPLOAD_MAX_MEMORY_SIZE,
)
from conveyor.config.settings.components.drf import (
    REST_FRAMEWORK,
    SPECTACULAR_SETTINGS,
)
from conveyor.config.settings.components.limits import (
    CACHES,
    CONVEYOR_CLIENT_CAP_RETRY,
    CONVEYOR_DEMO_JOB_TYPES,
    CONVEYOR_MAX_RUNNING_JOBS_PER_CLIENT,
    CONVEYOR_MAX_SCHEDULES,
    CONVEYOR_MAX_UNFINISHED_JOBS,
    CONVEYOR_MIN_SCHEDULE_INTERVAL,
    CONVEYOR_RUN_AT_HORIZON,
    CONVEYOR_THROTTLE_RATE,
)
from conveyor.config.settings.components.logging import (
    LOG_FORMAT,
    LOG_LEVEL,
    LOGGING,
)
from conveyor.config.settings.components.ratelimits import (
    CONVEYOR_QUEUE_RATE_LIMITS,
    CONVEYOR_TYPE_RATE_LIMITS,
)
from conveyor.config.settings.components.security import (
    AUTHENTICATION_BACKENDS,
    AXES_COOLOFF_TIME,
    AXES_FAILURE_LIMIT,
    AXES_LOCKOUT_PARAMETERS,
    AXES_RESET_ON_SUCCESS,
    CONVEYOR_CONTENT_SECURITY_POLICY,
    CONVEYOR_HTTPS,
    CONVEYOR_METRICS_PORT,
    CSRF_COOKIE_SECURE,
    CSRF_TRUSTED_ORIGINS,
    DEFAULT_EXCEPTION_REPORTER_FILTER,
    SECURE_CONTENT_TYPE_NOSNIFF,
    SECURE_HSTS_SECONDS,
    SECURE_PROXY_SSL_HEADER,
    SECURE_REFERRER_POLICY,
    SESSION_COOKIE_HTTPONLY,
    SESSION_COOKIE_SECURE,
    SILENCED_SYSTEM_CHECKS,
    X_FRAME_OPTIONS,
)
from conveyor.config.settings.components.tracing import (
    CONVEYOR_TRACES_EXPORTER,
    CONVEYOR_TRACING,
    CONVEYOR_TRACING_WANTED,
)
from conveyor.config.settings.components.webhooks import (
    CONVEYOR_WEBHOOK_BACKOFF,
    CONVEYOR_WEBHOOK_BACKOFF_MAX,
    CONVEYOR_WEBHOOK_MAX_ATTEMPTS,
    CONVEYOR_WEBHOOK_SECRET_OVERLAP,
    CONVEYOR_WEBHOOK_TIMEOUT,
)
