"""The request throttle: each client's requests per period, counted in the shared cache.

DRF's ``SimpleRateThrottle`` keeps each client's recent request times in Django's
default cache, which every API process shares (Redis, or a database table:
``CACHES`` in ``config/settings/components/limits.py``), so the rate holds across
processes and pods. The rate is the client's own (``ApiClient.throttle_rate``) or
``CONVEYOR_THROTTLE_RATE`` (``none``: no throttle). Over it: 429 problem+json with ``Retry-After``.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from conveyor.clients.limits import limits_of
from conveyor.clients.models import ApiClient
from conveyor.clients.rates import NO_LIMIT, parse_rate

log = logging.getLogger(__name__)


class ClientRateThrottle(SimpleRateThrottle):
    scope = "client"

    def __init__(self) -> None:
        # The rate depends on the client: allow_request sets it.
        self.rate: str | None = None
        self.num_requests: int | None = None
        self.duration: int | None = None

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        user = request.user
        if not isinstance(user, ApiClient):
            return None  # unauthenticated: answered 401 before any work is done
        # The key prefix too: databases that share one cache (test runs) repeat ids.
        return self.cache_format % {"scope": self.scope, "ident": f"{user.pk}.{user.key_prefix}"}

    def allow_request(self, request: Request, view: Any) -> bool:
        user = request.user
        if not isinstance(user, ApiClient):
            return True
        self.rate = limits_of(user).throttle_rate
        if self.rate == NO_LIMIT:
            return True
        self.num_requests, self.duration = parse_rate(self.rate)
        try:
            return bool(super().allow_request(request, view))
        except Exception:
            # A throttle whose store is down must not take the API down with it.
            log.warning("request throttle skipped: its cache is unavailable", exc_info=True)
            return True
