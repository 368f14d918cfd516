"""The destination guard of ``http.request`` and webhooks: whatever is not plainly global
unicast is refused (private, loopback, link-local, multicast, reserved, broadcast,
documentation, and the IPv6 prefixes that embed or translate an IPv4 address), on the
address a host name resolves to as well as on a literal one; a name that does not exist
fails at once."""

from __future__ import annotations

import ipaddress
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from conveyor.clients.keys import generate_webhook_secret
from conveyor.jobtypes.http_request import HttpRequestParams
from conveyor.webhooks.models import WebhookDelivery
from conveyor_worker import httpclient, webhooks
from conveyor_worker.deliveries import DeliveryLease, Verdict
from conveyor_worker.httpclient import (
    DestinationRefused,
    HostNotFound,
    address_allowed,
    is_public,
)
from tests.webhooks import Receiver, start_receiver

REFUSED = [
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "0.0.0.0",  # noqa: S104 - an address to refuse, not to bind
    "224.0.0.1",  # multicast
    "239.255.255.250",  # multicast (SSDP)
    "240.0.0.1",  # reserved
    "255.255.255.255",  # broadcast
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
]
# What ``ipaddress.is_global`` calls global, and a NAT64 gateway, a SIIT translator, a 6to4
# relay or an old stack may still route to an internal IPv4 address: one per prefix.
TRANSITION_AND_SPECIAL = {
    "NAT64 64:ff9b::/96 wrapping 10.0.0.1": "64:ff9b::a00:1",
    "NAT64 64:ff9b::/96 wrapping the metadata address": "64:ff9b::a9fe:a9fe",
    "NAT64 64:ff9b::/96 wrapping a public address": "64:ff9b::808:808",
    "NAT64 local-use 64:ff9b:1::/48": "64:ff9b:1::a00:1",
    "IPv4-mapped ::ffff:0:0/96 of a public address": "::ffff:8.8.8.8",
    "IPv4-compatible ::/96": "::a9fe:a9fe",
    "IPv4-compatible ::/96 of a public address": "::808:808",
    "SIIT ::ffff:0:0:0/96": "::ffff:0:a9fe:a9fe",
    "6to4 2002::/16 of the metadata address": "2002:a9fe:a9fe::1",
    "6to4 2002::/16 of 10.0.0.1": "2002:a00:1::1",
    "6to4 2002::/16 of loopback": "2002:7f00:1::",
    "Teredo 2001::/32": "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "site-local fec0::/10": "fec0::1",
    "unique local fc00::/7": "fd00::1",
    "multicast ff00::/8, global scope": "ff0e::1",
    "documentation 2001:db8::/32": "2001:db8::1",
    "documentation 3fff::/20": "3fff::1",
    "discard-only 100::/64": "100::1",
    "benchmarking 2001:2::/48": "2001:2::1",
    "SRv6 SIDs 5f00::/16": "5f00::1",
    "outside global unicast 2000::/3": "4000::1",
    "IPv4 documentation 192.0.2.0/24": "192.0.2.1",
    "IPv4 documentation 198.51.100.0/24": "198.51.100.1",
    "IPv4 documentation 203.0.113.0/24": "203.0.113.1",
    "IPv4 benchmarking 198.18.0.0/15": "198.18.0.1",
    "IPv4 6to4 relay anycast 192.88.99.0/24": "192.88.99.1",
    "IPv4 protocol assignments 192.0.0.0/24": "192.0.0.9",
}
PUBLIC = [
    "93.184.216.34",
    "8.8.8.8",
    "1.1.1.1",
    "2606:4700:4700::1111",
    "2002:808:808::1",  # 6to4 of a public address
]


@pytest.mark.parametrize(
    "address", list(TRANSITION_AND_SPECIAL.values()), ids=list(TRANSITION_AND_SPECIAL)
)
def test_transition_translation_and_special_prefixes_are_refused(address: str) -> None:
    ip = ipaddress.ip_address(address)

    assert not is_public(ip)
    assert not address_allowed(ip)


@pytest.mark.parametrize("address", REFUSED)
def test_private_loopback_link_local_multicast_and_reserved_are_refused(address: str) -> None:
    ip = ipaddress.ip_address(address)

    assert not is_public(ip)
    assert not address_allowed(ip)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address: str) -> None:
    ip = ipaddress.ip_address(address)

    assert is_public(ip)
    assert address_allowed(ip)


def test_an_allowed_network_lets_its_private_addresses_through(settings: Any) -> None:
    # given
    settings.CONVEYOR_HTTP_ALLOWED_NETWORKS = ["10.1.0.0/16", "127.0.0.1/32", "fd00::/8"]

    # then: inside the listed networks only
    assert address_allowed(ipaddress.ip_address("10.1.2.3"))
    assert address_allowed(ipaddress.ip_address("127.0.0.1"))
    assert address_allowed(ipaddress.ip_address("fd00::5"))
    assert not address_allowed(ipaddress.ip_address("10.2.0.1"))
    assert not address_allowed(ipaddress.ip_address("127.0.0.2"))
    assert not address_allowed(ipaddress.ip_address("169.254.169.254"))
    assert not is_public(ipaddress.ip_address("10.1.2.3"))


def test_the_allowed_networks_follow_the_setting(settings: Any) -> None:
    ip = ipaddress.ip_address("192.168.5.5")
    settings.CONVEYOR_HTTP_ALLOWED_NETWORKS = ["192.168.0.0/16"]
    assert address_allowed(ip)

    settings.CONVEYOR_HTTP_ALLOWED_NETWORKS = []

    assert not address_allowed(ip)


def test_a_host_address_given_as_a_network_is_accepted(settings: Any) -> None:
    # "10.0.0.5/8" is not strict CIDR; it means 10.0.0.0/8
    settings.CONVEYOR_HTTP_ALLOWED_NETWORKS = ["10.0.0.5/8"]

    assert address_allowed(ipaddress.ip_address("10.9.9.9"))


@pytest.mark.parametrize("address", ["100.64.0.1", "100.100.100.200"])
def test_shared_address_space_is_not_public(address: str) -> None:
    assert not address_allowed(ipaddress.ip_address(address))


# ---- A host name, resolved: the address connected to is the one checked ----------------
# "localhost" resolves to loopback on every machine, without a DNS server or the network.


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = start_receiver()
    yield server
    server.stop()


def by_name(receiver: Receiver, path: str) -> str:
    """The receiver's URL with the host name ``localhost`` instead of its address."""
    port = receiver.server.server_address[1]
    return f"http://localhost:{port}{path}"


def webhook_to(url: str) -> DeliveryLease:
    delivery = WebhookDelivery(
        job_id=uuid.uuid4(), event="job.succeeded", url=url, body="{}", created_at=timezone.now()
    )
    return DeliveryLease(
        delivery=delivery, token=uuid.uuid4(), secrets=(generate_webhook_secret(),), number=1
    )


def http_request(url: str) -> HttpRequestParams:
    return HttpRequestParams(url=url, method="POST", body="{}", timeout_seconds=5)


LOG = logging.LoggerAdapter(logging.getLogger("conveyor.job"), {"job_id": "test"})


def test_an_http_request_to_a_name_that_resolves_to_loopback_is_refused(
    receiver: Receiver, settings: Any
) -> None:
    # given: no network allowed beyond the public ones
    settings.CONVEYOR_HTTP_ALLOWED_NETWORKS = []

    # when / then: refused, without naming the address the name resolved to (a tenant
    # could map the internal DNS with it); nothing was sent
    with pytest.raises(DestinationRefused) as refused:
        httpclient.send(http_request(by_name(receiver, "/named")), log=LOG)
    assert str(refused.value).startswith("localhost resolves to a non-public address")
    assert "127.0.0.1" not in str(refused.value)
    assert "::1" not in str(refused.value)
    assert receiver.to("/named") == []


def test_a_webhook_to_a_name_that_resolves_to_loopback_is_refused(
    receiver: Receiver, settings: Any
) -> None:
    # given
    settings.CONVEYOR_HTTP_ALLOWED_NETWORKS = []

    # when
    result = webhooks.post(webhook_to(by_name(receiver, "/hook")))

    # then: refused, never sent
    assert result.verdict == Verdict.REFUSED
    assert result.error.startswith("refused: localhost resolves to a non-public address")
    assert "127.0.0.1" not in result.error
    assert receiver.to("/hook") == []


# RFC 6761: no name under .invalid exists, so the resolver answers "no such name" without
# asking anyone (or a DNS server answers NXDOMAIN).
NO_SUCH_HOST = "http://conveyor-test.invalid/hook"


def test_an_http_request_to_a_host_that_does_not_exist_fails_for_good() -> None:
    # a PermanentError: the job fails now instead of retrying with backoff
    with pytest.raises(HostNotFound, match=r"conveyor-test\.invalid: no such host"):
        httpclient.send(http_request(NO_SUCH_HOST), log=LOG)


def test_a_webhook_to_a_host_that_does_not_exist_is_given_up_at_once() -> None:
    result = webhooks.post(webhook_to(NO_SUCH_HOST))

    assert result.verdict == Verdict.GIVE_UP
    assert "no such host" in result.error


def test_a_name_that_resolves_into_an_allowed_network_is_called(
    receiver: Receiver, settings: Any
) -> None:
    # given: IPv4 loopback allowed, where the name resolves and the receiver listens
    settings.CONVEYOR_HTTP_ALLOWED_NETWORKS = ["127.0.0.0/8"]

    # when
    answered = httpclient.send(http_request(by_name(receiver, "/named")), log=LOG)
    result = webhooks.post(webhook_to(by_name(receiver, "/hook")))

    # then: both reached the receiver, by the name's address
    assert answered.status == 200
    assert result.verdict == Verdict.DELIVERED
    assert len(receiver.to("/named")) == len(receiver.to("/hook")) == 1
