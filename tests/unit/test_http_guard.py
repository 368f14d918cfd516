"""The destination guard of ``http.request`` and webhooks: private, loopback, link-local,
multicast, reserved and broadcast addresses are refused, on the address a host name
resolves to as well as on a literal one."""

from __future__ import annotations

import ipaddress
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from conveyor.jobtypes.http_request import HttpRequestParams
from conveyor.webhooks.models import WebhookDelivery
from conveyor_worker import httpclient, webhooks
from conveyor_worker.deliveries import DeliveryLease, Verdict
from conveyor_worker.httpclient import DestinationRefused, address_allowed, is_public
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
PUBLIC = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:93.184.216.34"]


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
    return DeliveryLease(delivery=delivery, token=uuid.uuid4(), secret="s", number=1)


def http_request(url: str) -> HttpRequestParams:
    return HttpRequestParams(url=url, method="POST", body="{}", timeout_seconds=5)


LOG = logging.LoggerAdapter(logging.getLogger("conveyor.job"), {"job_id": "test"})


def test_an_http_request_to_a_name_that_resolves_to_loopback_is_refused(
    receiver: Receiver, settings: Any
) -> None:
    # given: no network allowed beyond the public ones
    settings.CONVEYOR_HTTP_ALLOWED_NETWORKS = []

    # when / then: refused, naming the address the name resolved to; nothing was sent
    with pytest.raises(DestinationRefused, match=r"localhost resolves to .*127\.0\.0\.1"):
        httpclient.send(http_request(by_name(receiver, "/named")), log=LOG)
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
    assert result.error.startswith("refused: localhost resolves to ")
    assert receiver.to("/hook") == []


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
