"""Security headers and cookies; HTTPS settings are on when CONVEYOR_HTTPS=true."""

from __future__ import annotations

from conveyor.config.env import env_bool, env_list

_https = env_bool("CONVEYOR_HTTPS", False)

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
