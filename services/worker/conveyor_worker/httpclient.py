"""The HTTP client behind ``http.request``: guarded destinations, bounded bodies."""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import httpcore
from django.conf import settings

from conveyor.jobs.types import PermanentError, RetryableError

if TYPE_CHECKING:
    from conveyor.jobtypes.http_request import HttpRequestParams

USER_AGENT = "conveyor-http-request/1"
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class DestinationRefused(PermanentError):
    """The URL resolves only to addresses conveyor may not call."""


@cache
def _allowed_networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in spec)


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_public(address: IPAddress) -> bool:
    """Globally routable unicast: not private, loopback, link-local, shared (100.64/10),
    reserved, multicast or unspecified."""
    address = _unmapped(address)
    return address.is_global and not address.is_multicast


def address_allowed(address: IPAddress) -> bool:
    allowed = _allowed_networks(tuple(settings.CONVEYOR_HTTP_ALLOWED_NETWORKS))
    address = _unmapped(address)
    return is_public(address) or any(
        address.version == net.version and address in net for net in allowed
    )


class GuardedBackend(httpcore.SyncBackend):
    """Resolves the host itself and connects only to an allowed address."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
        allowed = [a for a in addresses if address_allowed(a)]
        if not allowed:
            raise DestinationRefused(
                f"{host} resolves to {', '.join(sorted({str(a) for a in addresses}))}, a "
                "private, loopback or link-local destination; add its network to "
                "CONVEYOR_HTTP_ALLOWED_NETWORKS to allow it"
            )
        return super().connect_tcp(
            str(allowed[0]),
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )


@dataclass(frozen=True)
class HttpResult:
    status: int
    headers: dict[str, str]
    body: str
    truncated: bool

    def as_result(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "headers": self.headers,
            "body": self.body,
            "body_truncated": self.truncated,
        }


def _request_body(params: HttpRequestParams) -> tuple[bytes | None, dict[str, str]]:
    if params.body is None:
        return None, {}
    if isinstance(params.body, str):
        return params.body.encode(), {}
    return json.dumps(params.body).encode(), {"content-type": "application/json"}


def send(params: HttpRequestParams, *, log: logging.LoggerAdapter[logging.Logger]) -> HttpResult:
    content, extra_headers = _request_body(params)
    headers = {
        "user-agent": USER_AGENT,
        **extra_headers,
        **{k.lower(): v for k, v in params.headers.items()},
    }
    limit = settings.CONVEYOR_HTTP_MAX_BODY_BYTES
    timeout = params.timeout_seconds
    url = str(params.url)
    try:
        with (
            httpcore.ConnectionPool(network_backend=GuardedBackend(), retries=0) as pool,
            pool.stream(
                params.method,
                url,
                headers=list(headers.items()),
                content=content,
                extensions={
                    "timeout": {
                        "connect": timeout,
                        "read": timeout,
                        "write": timeout,
                        "pool": timeout,
                    }
                },
            ) as response,
        ):
            body = bytearray()
            truncated = False
            for chunk in response.iter_stream():
                body.extend(chunk)
                if len(body) > limit:
                    truncated = True
                    del body[limit:]
                    break
    except DestinationRefused:
        raise
    except httpcore.TimeoutException as exc:
        raise RetryableError(f"{params.method} {url} timed out: {exc}") from exc
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.ConnectError) as exc:
        raise RetryableError(f"{params.method} {url} failed: {exc}") from exc
    except httpcore.UnsupportedProtocol as exc:
        raise PermanentError(f"{url}: {exc}") from exc
    result = HttpResult(
        status=response.status,
        headers=_headers(response.headers),
        # NUL cannot be stored in a JSON column (PostgreSQL's jsonb refuses it).
        body=bytes(body).decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
        truncated=truncated,
    )
    log.info("%s %s -> %d", params.method, url, result.status)
    expected = params.expect_status
    ok = result.status in expected if expected else 200 <= result.status < 300
    if ok:
        return result
    detail = f"{params.method} {url} answered {result.status}"
    if result.status in RETRYABLE_STATUSES:
        raise RetryableError(detail)
    raise PermanentError(detail)


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in raw:
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        out[name] = f"{out[name]}, {text}" if name in out else text
    return out
