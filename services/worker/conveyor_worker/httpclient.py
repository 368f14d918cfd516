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


class HostNotFound(PermanentError):
    """The URL's host name does not exist (the DNS says so): another try will not help."""


# What "plainly global unicast" leaves out, beyond what ``ipaddress`` already calls not
# global. ``is_global`` alone lets through the IPv6 prefixes that carry, translate or
# embed an IPv4 address (a NAT64 gateway turns 64:ff9b::a9fe:a9fe into 169.254.169.254),
# the deprecated site-local prefix and the documentation ranges. The chart's worker
# egress NetworkPolicy excludes the same ranges (``deploy/helm/conveyor/values.yaml``,
# ``workers.egress.blockedCidrs``; tests/chart checks the two agree).
BLOCKED_IPV4: tuple[str, ...] = (
    "0.0.0.0/8",  # "this network"
    "10.0.0.0/8",  # private
    "100.64.0.0/10",  # shared address space (carrier-grade NAT)
    "127.0.0.0/8",  # loopback
    "169.254.0.0/16",  # link-local (cloud metadata services)
    "172.16.0.0/12",  # private
    "192.0.0.0/24",  # IETF protocol assignments
    "192.0.2.0/24",  # documentation (TEST-NET-1)
    "192.88.99.0/24",  # 6to4 relay anycast
    "192.168.0.0/16",  # private
    "198.18.0.0/15",  # benchmarking
    "198.51.100.0/24",  # documentation (TEST-NET-2)
    "203.0.113.0/24",  # documentation (TEST-NET-3)
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, and the broadcast address
)
BLOCKED_IPV6: tuple[str, ...] = (
    "::/96",  # unspecified, loopback, and IPv4-compatible (deprecated)
    "::ffff:0:0/96",  # IPv4-mapped
    "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
    "64:ff9b::/96",  # NAT64, well-known prefix
    "64:ff9b:1::/48",  # NAT64, local-use prefix
    "100::/64",  # discard-only
    "2001::/23",  # IETF protocol assignments: Teredo 2001::/32, ORCHID, benchmarking
    "2001:db8::/32",  # documentation
    "2002::/16",  # 6to4: allowed only when the IPv4 address it embeds is (see below)
    "3fff::/20",  # documentation
    "5f00::/16",  # SRv6 SIDs
    "fc00::/7",  # unique local
    "fe80::/10",  # link-local
    "fec0::/10",  # site-local (deprecated)
    "ff00::/8",  # multicast
)
# Only 2000::/3 is assigned as global unicast; anything outside it is refused whatever
# ipaddress thinks of it.
GLOBAL_UNICAST_IPV6 = ipaddress.IPv6Network("2000::/3")
SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


@cache
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in spec)


def _in_any(address: IPAddress, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_public(address: IPAddress) -> bool:
    """Plainly global unicast: not private, loopback, link-local, shared (100.64/10),
    reserved, documentation, multicast or unspecified, and no IPv6 prefix that embeds or
    translates an IPv4 address (NAT64, SIIT, IPv4-compatible, Teredo), except 6to4 of a
    public IPv4 address."""
    if isinstance(address, ipaddress.IPv4Address):
        return (
            address.is_global
            and not address.is_multicast
            and not _in_any(address, _networks(BLOCKED_IPV4))
        )
    if address in SIX_TO_FOUR:
        embedded = address.sixtofour
        return embedded is not None and is_public(embedded)
    return (
        address in GLOBAL_UNICAST_IPV6
        and address.is_global
        and not address.is_multicast
        and not _in_any(address, _networks(BLOCKED_IPV6))
    )


def address_allowed(address: IPAddress) -> bool:
    """Public, or inside a network ``CONVEYOR_HTTP_ALLOWED_NETWORKS`` lists (an IPv4-mapped
    address counts as its IPv4 address there)."""
    if is_public(address):
        return True
    allowed = _networks(tuple(settings.CONVEYOR_HTTP_ALLOWED_NETWORKS))
    return _in_any(address, allowed) or _in_any(_unmapped(address), allowed)


# getaddrinfo's answers that mean "no such name" (not "try again later").
_NO_SUCH_HOST = frozenset(
    code for code in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)) if code is not None
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
            if exc.errno in _NO_SUCH_HOST:
                raise HostNotFound(f"{host}: no such host (the DNS has no address for it)") from exc
            # A temporary failure (EAI_AGAIN, no DNS server answering): worth a retry.
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
        allowed = [a for a in addresses if address_allowed(a)]
        if not allowed:
            # The addresses are not named: a tenant could map the internal DNS with them.
            raise DestinationRefused(
                f"{host} resolves to a non-public address; add its network to "
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
    except (DestinationRefused, HostNotFound):
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
