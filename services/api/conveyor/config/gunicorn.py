"""gunicorn's configuration: ``gunicorn -c python:conveyor.config.gunicorn``.

Every value has an environment override (GUNICORN_*).
"""

from __future__ import annotations

import os

wsgi_app = "conveyor.config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# gthread: a few threads per process absorb slow clients and long-polls cheaply.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Heartbeat files on tmpfs, not the container's (read-only) root filesystem.
_shm = "/dev/shm"  # noqa: S108 - tmpfs, the place gunicorn's docs recommend
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or (
    _shm if os.path.isdir(_shm) else None
)
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
