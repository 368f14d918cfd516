"""Reading a trigger's metric the way KEDA's scalers do: Prometheus or metrics-api."""

from __future__ import annotations

import json
import math
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tools.autoscale.scaledobject import Trigger


class ScalerError(Exception):
    """The metric could not be read (KEDA counts these toward a fallback)."""


def rebase(url: str, base: str | None) -> str:
    """``url`` with the scheme and host of ``base`` (a cluster address made local)."""
    if not base:
        return url
    parts, new = urllib.parse.urlsplit(url), urllib.parse.urlsplit(base)
    path = (new.path.rstrip("/") + parts.path) if new.path not in {"", "/"} else parts.path
    return urllib.parse.urlunsplit((new.scheme, new.netloc, path, parts.query, ""))


def _get_json(url: str, headers: Mapping[str, str], timeout: float) -> Any:
    request = urllib.request.Request(url, headers=dict(headers))  # noqa: S310 - http(s) only
    if not url.startswith(("http://", "https://")):
        raise ScalerError(f"not an http(s) URL: {url}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read())
    except (OSError, ValueError) as exc:
        raise ScalerError(f"GET {url}: {exc}") from exc


@dataclass(frozen=True)
class Scaler:
    """One trigger's metric source. ``base_url`` replaces the cluster address."""

    trigger: Trigger
    base_url: str | None = None
    token: str | None = None  # metrics-api authMode bearer (a TriggerAuthentication)
    timeout: float = 3.0

    def metric(self) -> float:
        if self.trigger.type == "prometheus":
            return self._prometheus()
        return self._metrics_api()

    def _prometheus(self) -> float:
        """KEDA's prometheus scaler: an instant query; an empty result is 0
        (``ignoreNullValues`` defaults to true), more than one element is an error."""
        base = rebase(self.trigger.url, self.base_url).rstrip("/")
        query = urllib.parse.urlencode({"query": self.trigger.metadata["query"]})
        body = _get_json(f"{base}/api/v1/query?{query}", {}, self.timeout)
        result = body.get("data", {}).get("result", [])
        if body.get("status") != "success":
            raise ScalerError(f"prometheus answered {body}")
        if not result:
            if self.trigger.metadata.get("ignoreNullValues", "true").lower() == "false":
                raise ScalerError("prometheus query returned no result")
            return 0.0
        if len(result) > 1:
            raise ScalerError("prometheus query returned multiple elements")
        value = float(result[0]["value"][1])
        if math.isinf(value) or math.isnan(value):
            raise ScalerError(f"prometheus query returned {value}")
        return value

    def _metrics_api(self) -> float:
        """KEDA's metrics-api scaler: GET the URL, read ``valueLocation`` (a dotted path)."""
        headers = {"Accept": "application/json"}
        if self.trigger.metadata.get("authMode") == "bearer":
            if not self.token:
                raise ScalerError("authMode bearer needs a token")
            headers["Authorization"] = f"Bearer {self.token}"
        value: Any = _get_json(rebase(self.trigger.url, self.base_url), headers, self.timeout)
        for key in self.trigger.metadata["valueLocation"].split("."):
            try:
                value = value[int(key)] if isinstance(value, list) else value[key]
            except (KeyError, IndexError, ValueError, TypeError):
                location = self.trigger.metadata["valueLocation"]
                raise ScalerError(f"no {location} in the answer") from None
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise ScalerError(f"valueLocation holds {value!r}, not a number") from exc
