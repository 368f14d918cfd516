"""What keeps the API's edges tight (docs/security.md): the Content-Security-Policy,
/metrics on its own port, the redirect to https, the DEBUG page's redaction.

Django 5.2 has no Content-Security-Policy of its own (Django 6 has): one small
middleware sends the policy in ``CONVEYOR_CONTENT_SECURITY_POLICY``. The API answers
JSON; the admin and the docs page load their scripts and styles from this origin.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.views.debug import SafeExceptionReporterFilter

from conveyor.core.middleware import SyncAndAsyncMiddleware
from conveyor.core.problems import not_found_view

METRICS_PATH = "/metrics"


class ContentSecurityPolicyMiddleware(SyncAndAsyncMiddleware):
    """Adds ``Content-Security-Policy`` to every response that has none."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        super().__init__(get_response)
        self.policy: str = settings.CONVEYOR_CONTENT_SECURITY_POLICY

    def after(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


class MetricsPortMiddleware(SyncAndAsyncMiddleware):
    """With CONVEYOR_METRICS_PORT set, ``/metrics`` is answered on that port only, and
    that port answers nothing else: the ingress routes the API's port, so the metrics
    (every tenant's queues and counts) stay inside the cluster.

    The port is the listening socket's (``SERVER_PORT``, which gunicorn takes from the
    socket, not from the request's Host header).
    """

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        super().__init__(get_response)
        self.port: int | None = settings.CONVEYOR_METRICS_PORT

    def before(self, request: HttpRequest) -> HttpResponse | None:
        if self.port is not None:
            on_metrics_port = request.META.get("SERVER_PORT") == str(self.port)
            if on_metrics_port != (request.path == METRICS_PATH):
                return not_found_view(request, Http404())
        return None


class HttpsRedirectMiddleware(SyncAndAsyncMiddleware):
    """With HTTPS on (CONVEYOR_HTTPS), a request the proxy received over plain HTTP
    (``X-Forwarded-Proto: http``) is redirected to https.

    Not Django's SECURE_SSL_REDIRECT: that would also redirect what reaches the pods
    directly, inside the cluster, without the proxy's header - the kubelet's probes,
    Prometheus, KEDA, ``helm test`` - which have no https to go to.
    """

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        super().__init__(get_response)
        self.enabled: bool = settings.CONVEYOR_HTTPS

    def before(self, request: HttpRequest) -> HttpResponse | None:
        proto = request.META.get("HTTP_X_FORWARDED_PROTO", "").split(",")[0].strip().lower()
        if self.enabled and proto == "http":
            return HttpResponsePermanentRedirect(
                f"https://{request.get_host()}{request.get_full_path()}"
            )
        return None


_URL_WITH_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@\s]*:[^/@\s]*@", re.IGNORECASE)


class RedactingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, which hides settings named like secrets, and besides it the
    password of any URL among the settings (BROKER_URL, the cache's LOCATION, ...)."""

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        if type(cleansed) is str and _URL_WITH_PASSWORD.match(cleansed):  # not lazy strings
            return redact_url(cleansed)
        return cleansed


def redact_url(url: str) -> str:
    """``amqp://user:secret@host/`` → ``amqp://user:********@host/``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{user}:{SafeExceptionReporterFilter.cleansed_substitute}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))
