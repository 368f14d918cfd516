"""TLS (issue 16): an ingress with a TLS Secret turns HTTPS on (Secure cookies, HSTS, the
redirect to https); an ingress without one renders only when asked for explicitly."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.chart.conftest import Render
from tests.chart.objects import find
from tests.procs import fresh_python_report
from tools import helm

HOST = "jobs.example.com"


def config(render: Render, values: dict[str, Any]) -> dict[str, str]:
    (configmap,) = [
        o for o in find(render(values), "ConfigMap") if "CONVEYOR_HTTPS" in o.get("data", {})
    ]
    return dict(configmap["data"])


def test_an_ingress_with_tls_turns_https_on(render: Render) -> None:
    ingress = {"enabled": True, "host": HOST, "tlsSecret": "jobs-tls"}
    assert config(render, {"api": {"ingress": ingress}})["CONVEYOR_HTTPS"] == "true"


def test_without_an_ingress_https_follows_config_https(render: Render) -> None:
    assert config(render, {})["CONVEYOR_HTTPS"] == "false"
    assert config(render, {"config": {"https": True}})["CONVEYOR_HTTPS"] == "true"


def test_an_ingress_without_tls_fails_to_render_unless_asked_for(render: Render) -> None:
    import helm_python

    plain = {"enabled": True, "host": HOST}
    with pytest.raises(helm_python.HelmRenderError) as error:
        render({"api": {"ingress": plain}}, api_versions=helm.CRD_APIS)
    assert "without api.ingress.tlsSecret" in str(error.value)
    assert "api.ingress.allowPlainHttp=true" in str(error.value)
    # asked for: plain HTTP, HTTPS off
    opted = {"api": {"ingress": {**plain, "allowPlainHttp": True}}}
    assert config(render, opted)["CONVEYOR_HTTPS"] == "false"
    # TLS ends in front of the ingress
    upstream = {"api": {"ingress": plain}, "config": {"https": True}}
    assert config(render, upstream)["CONVEYOR_HTTPS"] == "true"


SCRIPT = """
import django, json
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
plain = Client().get("/healthz", HTTP_X_FORWARDED_PROTO="http", HTTP_HOST="jobs.example.com")
secure = Client().get("/healthz", HTTP_X_FORWARDED_PROTO="https")
inside = Client().get("/healthz")  # the kubelet, Prometheus: no proxy header
from django.conf import settings
print(json.dumps({
    "redirect": [plain.status_code, plain.get("Location")],
    "hsts": secure.get("Strict-Transport-Security"),
    "inside": inside.status_code,
    "cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
}))
"""


def test_conveyor_https_means_secure_cookies_hsts_and_the_redirect() -> None:
    seen = fresh_python_report(
        SCRIPT, env={**os.environ, "CONVEYOR_HTTPS": "true", "ALLOWED_HOSTS": f"{HOST},testserver"}
    )
    assert seen["redirect"] == [301, "https://jobs.example.com/healthz"]
    assert seen["hsts"].startswith("max-age=31536000")
    assert seen["inside"] == 200
    assert seen["cookies"] == [True, True]
    off = fresh_python_report(
        SCRIPT, env={**os.environ, "CONVEYOR_HTTPS": "false", "ALLOWED_HOSTS": f"{HOST},testserver"}
    )
    assert off["redirect"][0] == 200
    assert off["hsts"] is None
