"""Which network addresses como may connect to on someone's behalf: the rules against
server-side request forgery, for every outbound connection to an address a user typed.

Pure (no Django, no I/O): the caller resolves the host once, hands every answer to
:func:`pick` and connects to the address it returns, never to the name again (so a second DNS
answer cannot swap a private address in).

Refused: loopback, private, shared (100.64/10), link-local (which holds the cloud metadata
address 169.254.169.254), multicast, reserved and unspecified addresses, the IPv6 unique-local
range (AWS's metadata fd00:ec2::254), and IPv6 forms that carry an IPv4 address (IPv4-mapped,
NAT64, 6to4, Teredo), judged by the IPv4 address inside. A host written as a number in any
form but canonical dotted decimal (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``) is
refused before resolving: glibc's resolver reads those as addresses, and no real name looks
like them. ``allowed`` networks pass anyway (a private deployment's LAN, tests); an address must
be inside one as it is, not once unwrapped.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Every dot-separated label is a number (decimal, octal or hex): the host is an IPv4 address
#: in some notation, whatever the resolver makes of it.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*$", re.IGNORECASE)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_KINDS = (
    ("is_loopback", "loopback"),
    ("is_unspecified", "unspecified"),
    ("is_link_local", "link-local (cloud metadata lives there)"),
    ("is_multicast", "multicast"),
    ("is_private", "private"),
    ("is_reserved", "reserved"),
)


class AddressRefused(ValueError):
    """The host or an address it resolves to is one como may not connect to; says why."""


def networks(value: str | Iterable[str]) -> list[Network]:
    """CIDR networks from a comma-separated text or a list; ValueError for a bad one."""
    parts = value.split(",") if isinstance(value, str) else value
    return [
        ipaddress.ip_network(str(part).strip(), strict=False) for part in parts if str(part).strip()
    ]


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


def refusal(address: Address, allowed: Sequence[Network] = ()) -> str | None:
    """Why como may not connect to ``address``; None when it may."""
    if any(address in network for network in allowed):
        return None
    inner = embedded_ipv4(address)
    if inner is not None and (reason := refusal(inner)) is not None:
        return f"it carries the IPv4 address {inner}, and {reason}"
    for flag, what in _KINDS:
        if getattr(address, flag):
            return f"{address} is a {what} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def check_host(host: str) -> None:
    """AddressRefused for a host written as a non-canonical number or naming an interface."""
    bare = host.rstrip(".")
    if "%" in bare:
        raise AddressRefused(f"The host {host!r} names a network interface.")
    if _NUMERIC_HOST.match(bare):
        try:
            canonical = str(ipaddress.IPv4Address(bare))
        except ValueError:
            canonical = ""
        if canonical != bare or bare != host:
            raise AddressRefused(
                f"The host {host!r} is an IP address in a non-canonical form; write it as "
                "four decimal numbers (a.b.c.d) or use a name."
            )


def pick(host: str, answers: Iterable[str], allowed: Sequence[Network] = ()) -> Address:
    """The address to connect to among a resolver's ``answers`` for ``host`` (the first).
    AddressRefused when any is refused: a name that resolves to a private address as well as
    a public one is refused whole. LookupError when there is none."""
    addresses = [ipaddress.ip_address(answer.split("%", 1)[0]) for answer in answers]
    if not addresses:
        raise LookupError(f"The host {host!r} does not resolve.")
    for address in addresses:
        if (reason := refusal(address, allowed)) is not None:
            raise AddressRefused(f"como may not connect to {host!r}: {reason}.")
    return addresses[0]
