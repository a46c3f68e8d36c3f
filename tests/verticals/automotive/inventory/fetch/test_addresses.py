"""The vertical's side of the SSRF rules: its allow-list setting, resolving, and any text as a URL
(the rules themselves: tests/como/test_netguard.py)."""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from verticals.automotive.inventory.fetch import FetchFailed, FetchRefused
from verticals.automotive.inventory.fetch.addresses import check_host, pick, refusal, resolve
from verticals.automotive.inventory.fetch.https import target


def test_the_allow_list_admits_its_networks_only_as_written(settings: Any) -> None:
    settings.COMO_INVENTORY_FETCH_ALLOW_NETWORKS = ["127.0.0.1/32", "10.20.0.0/16"]
    assert refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert refusal(ipaddress.ip_address("10.20.3.4")) is None
    assert refusal(ipaddress.ip_address("127.0.0.2")) is not None
    assert refusal(ipaddress.ip_address("10.21.0.1")) is not None
    # The mapped form of an allowed address is not the allowed address.
    assert refusal(ipaddress.ip_address("::ffff:127.0.0.1")) is not None


def test_one_refused_answer_refuses_the_name_whole(settings: Any) -> None:
    settings.COMO_INVENTORY_FETCH_ALLOW_NETWORKS = []
    with pytest.raises(FetchRefused, match=r"10\.0\.0\.5"):
        pick("mixed.example", ["93.184.215.14", "10.0.0.5"])
    assert str(pick("public.example", ["93.184.215.14", "2606:4700::1111"])) == "93.184.215.14"


def test_localhost_resolves_and_is_refused(settings: Any) -> None:
    settings.COMO_INVENTORY_FETCH_ALLOW_NETWORKS = []
    with pytest.raises(FetchRefused, match="loopback"):
        asyncio.run(resolve("localhost", 443))


@pytest.mark.parametrize(
    ("host", "port", "error"),
    [
        ("feeds.example.com", 0, FetchRefused),
        ("feeds.example.com", 70000, FetchRefused),
        ("a\x00b.example", 22, FetchFailed),
        ("x" * 300, 22, FetchFailed),
    ],
)
def test_unusable_hosts_and_ports_are_refused_or_fail_cleanly(
    host: str, port: int, error: type[Exception]
) -> None:
    with pytest.raises(error):
        asyncio.run(resolve(host, port))


@hypothesis_settings(max_examples=500, deadline=None)
@example("xn--")
@given(st.text())
def test_any_text_as_a_url_is_a_url_or_a_refusal(text: str) -> None:
    for url in (text, f"https://{text}", f"https://{text}/feed.csv", f"https://a.example/{text}"):
        try:
            parsed = target(url)
            check_host(parsed.raw_host.decode("ascii"))
        except FetchRefused:
            continue
        assert parsed.scheme == "https"
        assert parsed.raw_host
