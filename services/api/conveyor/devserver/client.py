"""The launcher's HTTP calls to the API it started (readiness, the demo jobs)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class Api:
    def __init__(self, base: str, key: str) -> None:
        self.base = base
        self.key = key

    def call(
        self, method: str, path: str, body: Any = None, *, auth: bool = True, timeout: float = 10.0
    ) -> tuple[int, Any]:
        url = self.base + path
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"not an http URL: {url}")
        headers = {"Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.key}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - http(s) checked above
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                return exc.code, json.loads(payload or b"null")
            except ValueError:
                return exc.code, payload.decode(errors="replace")

    def ready(self) -> bool:
        try:
            status, _ = self.call("GET", "/readyz", auth=False, timeout=3)
        except (OSError, ValueError):
            return False
        return status == 200
