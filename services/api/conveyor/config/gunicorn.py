"""gunicorn's configuration: ``gunicorn -c python:conveyor.config.gunicorn``.

Every value has an environment override (GUNICORN_*).
"""

from __future__ import annotations

import os

from conveyor.config.settings.components.logging import LOG_FORMAT, LOG_LEVEL, LOGGING

# The ASGI app on uvicorn's worker (config/asgi_worker.py): one event loop per process,
# so slow or idle clients and long-polls cost a socket, not a thread (docs/api.md).
wsgi_app = "conveyor.config.asgi:application"
bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]
# /metrics on a port of its own, not routed by the ingress (conveyor/core/security.py).
if os.environ.get("CONVEYOR_METRICS_PORT", "0") not in {"", "0"}:
    _host = bind[0].rpartition(":")[0]
    bind.append(f"{_host}:{int(os.environ['CONVEYOR_METRICS_PORT'])}")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "conveyor.config.asgi_worker.ApiWorker")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Heartbeat files on tmpfs, not the container's (read-only) root filesystem.
_shm = "/dev/shm"  # noqa: S108 - tmpfs, the place gunicorn's docs recommend
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or (
    _shm if os.path.isdir(_shm) else None
)
# No control socket in $HOME: the root filesystem is read-only and several may share a host.
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
# LOG_LEVEL, read once with Django's logging settings.
loglevel = LOG_LEVEL.lower()
# LOG_FORMAT=json: gunicorn's and uvicorn's own lines (start-up, worker exits, access) are
# JSON objects too, through Django's handler (components/logging.py).
if LOG_FORMAT == "json":
    logconfig_dict = {
        **LOGGING,
        "loggers": {
            **LOGGING["loggers"],
            "gunicorn.error": {"level": LOG_LEVEL, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        },
    }


def _hide_server_banner() -> None:
    """No ``Server: gunicorn`` header: gunicorn has no setting for it, so its response
    writers are told here, in the master before it forks (both the WSGI workers' and the
    ASGI worker's; the ASGI one leaves out its own when the app sends a Server header)."""
    from gunicorn.http import wsgi

    default_headers = wsgi.Response.default_headers

    def without_server(self: wsgi.Response) -> list[str]:
        return [h for h in default_headers(self) if not h.lower().startswith("server:")]

    wsgi.Response.default_headers = without_server  # type: ignore[method-assign]
    try:
        from gunicorn.asgi import protocol
    except ImportError:  # pragma: no cover - an older gunicorn without ASGI
        return
    if hasattr(protocol, "_CACHED_SERVER_HEADER"):
        protocol._CACHED_SERVER_HEADER = b""


_hide_server_banner()


# Prometheus multiprocess mode (conveyor/core/metrics.py): the master chooses and empties
# the metrics directory before forking workers, and forgets each worker that exits.
def on_starting(server: object) -> None:
    from conveyor.core.metrics import gunicorn_on_starting

    gunicorn_on_starting()


def child_exit(server: object, worker: object) -> None:
    from conveyor.core.metrics import gunicorn_child_exit

    gunicorn_child_exit(getattr(worker, "pid", 0))


def on_exit(server: object) -> None:
    from conveyor.core.metrics import gunicorn_on_exit

    gunicorn_on_exit()
