"""como.netguard: the SSRF address rules on their own, every refused form with its reason."""

from __future__ import annotations

import ipaddress

import pytest

from como.netguard import AddressRefused, check_host, networks, pick, refusal


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.0.9",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.100.100.200",  # shared address space (Alibaba's metadata)
        "0.0.0.0",  # noqa: S104
        "224.0.0.1",
        "239.1.2.3",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fd00:ec2::254",  # AWS metadata over IPv6
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo whose client is 127.0.0.1
        "::127.0.0.1",  # IPv4-compatible (deprecated)
        "2001:db8::1",  # documentation
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def test_the_reason_names_the_ipv4_address_inside() -> None:
    reason = refusal(ipaddress.ip_address("64:ff9b::a9fe:a9fe"))
    assert reason is not None
    assert "169.254.169.254" in reason
    assert "link-local" in reason


@pytest.mark.parametrize(
    "host",
    [
        "2130706433",
        "0x7f.1",
        "0x7f000001",
        "0177.0.0.1",
        "127.1",
        "127.0.1",
        "017700000001",
        "127.0.0.1.",
        "1.2.3.04",
        "0x7F.0.0.1",
        "1.2.3.4.5",
    ],
)
def test_numeric_hosts_in_non_canonical_forms_are_refused_before_resolving(host: str) -> None:
    with pytest.raises(AddressRefused, match="non-canonical"):
        check_host(host)


@pytest.mark.parametrize("host", ["feeds.example.com", "8.8.8.8", "1password.com", "123.example"])
def test_names_and_canonical_addresses_are_not_refused_by_their_spelling(host: str) -> None:
    check_host(host)


def test_allowed_networks_pass_only_as_written() -> None:
    allowed = networks("127.0.0.1/32, 10.20.0.0/16")
    assert refusal(ipaddress.ip_address("127.0.0.1"), allowed) is None
    assert refusal(ipaddress.ip_address("10.20.3.4"), allowed) is None
    assert refusal(ipaddress.ip_address("127.0.0.2"), allowed) is not None
    assert refusal(ipaddress.ip_address("::ffff:127.0.0.1"), allowed) is not None


def test_one_refused_answer_refuses_the_name_whole() -> None:
    with pytest.raises(AddressRefused, match=r"10\.0\.0\.5"):
        pick("mixed.example", ["93.184.215.14", "10.0.0.5"])
    assert str(pick("public.example", ["93.184.215.14", "2606:4700::1111"])) == "93.184.215.14"
    with pytest.raises(LookupError):
        pick("nothing.example", [])
