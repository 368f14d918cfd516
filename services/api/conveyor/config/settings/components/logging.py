"""Logging: one line per record on stderr, level from LOG_LEVEL, format from LOG_FORMAT.

LOG_FORMAT: ``text`` (the default: time, level, logger, message) or ``json`` (one JSON
object per line, the running job's fields and the exception as fields: core/logs.py).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from conveyor.config.env import env_str

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
_formats = ("text", "json")
LOG_FORMAT = env_str("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in _formats:
    raise ImproperlyConfigured(
        f"LOG_FORMAT={LOG_FORMAT!r} is not a log format; use one of {', '.join(_formats)}."
    )

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "conveyor.core.logs.JsonFormatter"},
    },
    "filters": {
        "job_fields": {"()": "conveyor.core.logs.JobFieldsFilter"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["job_fields"],
        },
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": LOG_LEVEL},
        # One line per message received and per task finished, conveyor's own included:
        # the job runner logs what matters (claims dropped, retries, failures).
        "celery.app.trace": {"level": "WARNING"},
        "celery.worker.strategy": {"level": "WARNING"},
    },
}
