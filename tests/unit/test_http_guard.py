"""The ``http.request`` destination guard: private, loopback and link-local are refused."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from conveyor_worker.httpclient import address_allowed, is_public

REFUSED = [
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "0.0.0.0",  # noqa: S104 - an address to refuse, not to bind "224.0.0.1", "240.0.0.1", "255.255.255.255",
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
def test_private_loopback_and_link_local_addresses_are_not_public(address: str) -> None:
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
