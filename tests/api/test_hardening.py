"""Issue 16's smaller findings: the DEBUG page redacts URL passwords, every response has
a Content-Security-Policy (the admin and the docs still work under it), gunicorn sends
no Server banner."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import httpx
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.views.debug import technical_500_response

from tests.procs import Proc, free_port, wait_until

BROKER_PASSWORD = "s3cr3t-broker-pw"


def test_the_debug_page_hides_the_broker_and_cache_passwords(settings: Any) -> None:
    settings.DEBUG = True
    settings.CELERY_BROKER_URL = f"amqp://conveyor:{BROKER_PASSWORD}@rabbitmq:5672/prod"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"redis://:{BROKER_PASSWORD}@redis:6379/0",
        }
    }
    request = RequestFactory().get("/v1/jobs")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        page = technical_500_response(request, *sys.exc_info()).content.decode()
    assert "CELERY_BROKER_URL" in page
    assert "rabbitmq:5672/prod" in page  # the rest of the URL still helps debugging
    assert BROKER_PASSWORD not in page


def test_responses_carry_a_content_security_policy(anonymous: Any) -> None:
    for path in ("/healthz", "/v1/jobs", "/admin/login/", "/v1/docs"):
        policy = Client().get(path)["Content-Security-Policy"]
        assert "default-src 'self'" in policy, (path, policy)
        assert "frame-ancestors 'none'" in policy
        assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";")[0]


def test_the_admin_and_the_docs_work_under_the_policy(db: None) -> None:
    ops = User.objects.create_superuser("ops", "ops@example.com", "a-long-admin-password")
    browser = Client()
    browser.force_login(ops)
    page = browser.get("/admin/jobs/job/")
    assert page.status_code == 200
    assert b"<script>" not in page.content  # no inline script the policy would block
    docs = Client().get("/v1/docs")
    assert docs.status_code == 200
    assert b"<script>" not in docs.content.replace(b" ", b"")
    script = Client().get("/v1/docs?script=")
    assert script.status_code == 200
    assert b"/v1/schema" in script.content


def test_metrics_on_their_own_port_only(settings: Any, anonymous: Any) -> None:
    settings.CONVEYOR_METRICS_PORT = 9809

    def get(path: str, port: int) -> Any:
        return Client().get(path, SERVER_PORT=str(port))

    assert get("/metrics", 9809).status_code == 200
    assert b"conveyor_" in get("/metrics", 9809).content
    assert get("/v1/jobs", 9809).status_code == 404  # nothing else on the metrics port
    assert get("/admin/login/", 9809).status_code == 404
    assert get("/metrics", 8000).status_code == 404
    assert get("/healthz", 8000).status_code == 200
    # Unset: /metrics on the API's port, as `make run` serves it.
    settings.CONVEYOR_METRICS_PORT = None
    assert get("/metrics", 8000).status_code == 200


def test_gunicorn_sends_no_server_banner_and_listens_for_metrics(tmp_path: Path) -> None:
    port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "CONVEYOR_METRICS_PORT": str(metrics_port),
    }
    gunicorn = Proc(
        "gunicorn",
        [sys.executable, "-m", "gunicorn", "-c", "python:conveyor.config.gunicorn"],
        env,
        tmp_path / "gunicorn.log",
    ).start()
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        response = wait_until(lambda: httpx.get(url, timeout=2), timeout=60, message="gunicorn")
        assert isinstance(response, httpx.Response)
        assert response.status_code == 200, gunicorn.log_tail()
        assert "server" not in response.headers, response.headers
        assert "gunicorn" not in str(response.headers).lower()
        # /metrics is not on the API's port; its own port serves only /metrics
        assert httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).status_code == 404
        other = httpx.get(f"http://127.0.0.1:{metrics_port}/healthz", timeout=5)
        assert other.status_code == 404
    finally:
        gunicorn.stop()
