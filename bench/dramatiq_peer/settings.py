"""The Celery baseline's settings (one DRF view, no database), routed to ``.send()``."""

from __future__ import annotations

from bench.baseline.settings import *  # noqa: F403

ROOT_URLCONF = "bench.dramatiq_peer.urls"
WSGI_APPLICATION = "bench.dramatiq_peer.wsgi.application"
