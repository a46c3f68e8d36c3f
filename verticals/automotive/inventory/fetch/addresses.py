"""Where an inventory fetch may connect: como's SSRF rules (:mod:`como.netguard`, which says
what is refused and why) with the vertical's allow-list, ``COMO_INVENTORY_FETCH_ALLOW_NETWORKS``,
and its two failures. HTTPS and SFTP sources both come through :func:`resolve`.
"""

from __future__ import annotations

import asyncio
import socket

from django.conf import settings

from como import netguard

from .base import FetchFailed, FetchRefused

Address = netguard.Address


def allowed_networks() -> list[netguard.Network]:
    return netguard.networks(getattr(settings, "COMO_INVENTORY_FETCH_ALLOW_NETWORKS", ()) or ())


def refusal(address: Address) -> str | None:
    return netguard.refusal(address, allowed_networks())


def check_host(host: str) -> None:
    try:
        netguard.check_host(host)
    except netguard.AddressRefused as error:
        raise FetchRefused(str(error)) from None


async def resolve(host: str, port: int) -> Address:
    """The one address to connect to for ``host``: resolved once, every answer checked.
    FetchRefused when an answer is refused, FetchFailed when the name does not resolve. Async,
    so that a slow resolver counts against the fetch's deadline."""
    check_host(host)
    if not 0 < port < 65536:
        raise FetchRefused(f"The port {port} is not a TCP port.")
    try:
        answers = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as error:  # ValueError: a NUL in the name
        raise FetchFailed(f"The host {host!r} does not resolve ({error}).") from None
    return pick(host, [str(answer[4][0]) for answer in answers])


def pick(host: str, answers: list[str]) -> Address:
    try:
        return netguard.pick(host, answers, allowed_networks())
    except netguard.AddressRefused as error:
        raise FetchRefused(str(error)) from None
    except LookupError as error:
        raise FetchFailed(str(error)) from None
