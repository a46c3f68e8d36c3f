"""Where a fetch may connect: the one SSRF check HTTPS and SFTP sources share.

A host is resolved once, every address it resolves to is checked, and the caller connects to
the returned address (never to the name again, so a second DNS answer cannot swap a private
address in). Refused: loopback, private, shared (100.64/10), link-local (which holds the cloud
metadata address 169.254.169.254), multicast, reserved and unspecified addresses, the IPv6
unique-local range (AWS's metadata fd00:ec2::254) and IPv6 forms that carry an IPv4 address
(IPv4-mapped, NAT64, 6to4, Teredo), judged by the IPv4 address inside. A host written as a
number in any form but canonical dotted decimal (``2130706433``, ``0177.0.0.1``, ``0x7f.1``,
``127.1``) is refused before resolving: glibc's resolver reads those as addresses, and no real
name looks like them. ``COMO_INVENTORY_FETCH_ALLOW_NETWORKS`` lists networks allowed anyway
(private deployments, tests); an address must be inside one as it is, not once unwrapped.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Iterable

from django.conf import settings

from .base import FetchFailed, FetchRefused

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Every dot-separated label is a number (decimal, octal or hex): the host is an IPv4 address
#: in some notation, whatever the resolver makes of it.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*$", re.IGNORECASE)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    value = getattr(settings, "COMO_INVENTORY_FETCH_ALLOW_NETWORKS", ()) or ()
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    return [ipaddress.ip_network(str(network).strip(), strict=False) for network in value]


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4, Teredo), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: Address) -> str | None:
    """Why como may not connect to ``address``; None when it may."""
    if any(address in network for network in allowed_networks()):
        return None
    inner = embedded_ipv4(address)
    if inner is not None and (reason := refusal(inner)) is not None:
        return f"it carries the IPv4 address {inner}, and {reason}"
    for flag, what in (
        ("is_loopback", "loopback"),
        ("is_unspecified", "unspecified"),
        ("is_link_local", "link-local (cloud metadata lives there)"),
        ("is_multicast", "multicast"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(address, flag):
            return f"{address} is a {what} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def check_host(host: str) -> None:
    """Refuse a host written as a non-canonical number (see the module's docstring)."""
    bare = host.rstrip(".")
    if "%" in bare:
        raise FetchRefused(f"The host {host!r} names a network interface.")
    if _NUMERIC_HOST.match(bare):
        try:
            canonical = str(ipaddress.IPv4Address(bare))
        except ValueError:
            canonical = ""
        if canonical != bare or bare != host:
            raise FetchRefused(
                f"The host {host!r} is an IP address in a non-canonical form; write it as "
                "four decimal numbers (a.b.c.d) or use a name."
            )


async def resolve(host: str, port: int) -> Address:
    """The one address to connect to for ``host``: resolved once, every answer checked.
    FetchRefused when any answer is refused (a name that resolves to a private address as well
    as a public one is refused whole); FetchFailed when the name does not resolve. Async, so
    that a slow resolver counts against the fetch's deadline."""
    check_host(host)
    try:
        answers = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise FetchFailed(f"The host {host!r} does not resolve ({error}).") from None
    return pick(host, (str(answer[4][0]) for answer in answers))


def pick(host: str, answers: Iterable[str]) -> Address:
    addresses = [ipaddress.ip_address(answer.split("%", 1)[0]) for answer in answers]
    if not addresses:
        raise FetchFailed(f"The host {host!r} does not resolve.")
    for address in addresses:
        if (reason := refusal(address)) is not None:
            raise FetchRefused(f"como may not connect to {host!r}: {reason}.")
    return addresses[0]
