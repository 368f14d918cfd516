"""Security headers and cookies; HTTPS settings are on when CONVEYOR_HTTPS=true."""

from __future__ import annotations

from datetime import timedelta

from conveyor.config.env import env_bool, env_float, env_int, env_list, env_str

# TLS ends at a proxy (the ingress) that sets X-Forwarded-Proto: Secure cookies, HSTS and
# the redirect of plain-HTTP requests to https (conveyor.core.security).
CONVEYOR_HTTPS = env_bool("CONVEYOR_HTTPS", False)
_https = CONVEYOR_HTTPS

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Behind an ingress that terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _https else None
SECURE_HSTS_SECONDS = 31536000 if _https else 0
# Django 5.2 has no CSP of its own: conveyor.core.security.ContentSecurityPolicyMiddleware
# sends this. The admin and the docs page use scripts and styles from this origin only
# (the admin's inline styles need 'unsafe-inline' for style-src). Empty: no header.
CONVEYOR_CONTENT_SECURITY_POLICY = env_str(
    "CONVEYOR_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)
# The DEBUG page hides the password of every URL among the settings (the broker's, the
# cache's), besides Django's own secret-looking names.
DEFAULT_EXCEPTION_REPORTER_FILTER = "conveyor.core.security.RedactingExceptionReporterFilter"

# The admin's login (django-axes): after this many failed passwords for one account, the
# account is locked out - the right password refused too - for the cool-off time. By
# account, not by address: behind an ingress every client has the ingress's address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("CONVEYOR_ADMIN_LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_float("CONVEYOR_ADMIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes warns that without the address an attacker could rotate user agents or cookies:
# not with an account lockout, which none of those change.
# The admin's E408-E410 look for the session, authentication and messages middleware in
# MIDDLEWARE by name; BrowserOnlyMiddleware runs them on the admin's paths (base.py).
# security.W001/W002 look for Django's Security and XFrameOptions middleware by their
# dotted paths; conveyor runs subclasses of both (core/middleware.py), and
# tests/api/test_security.py checks the headers they set.
SILENCED_SYSTEM_CHECKS = [
    "axes.W006",
    "admin.E408",
    "admin.E409",
    "admin.E410",
    "security.W001",
    "security.W002",
]
AXES_RESET_ON_SUCCESS = True

# /metrics on its own port (the chart: 9809), which the ingress does not route: the API
# port then answers /metrics with 404, and the metrics port answers nothing else.
# Unset: /metrics on the API's port (`make run`).
CONVEYOR_METRICS_PORT: int | None = env_int("CONVEYOR_METRICS_PORT", 0, minimum=0) or None
