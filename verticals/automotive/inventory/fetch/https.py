"""``fetch_https``: one feed file over HTTPS, safe against server-side request forgery.

Each hop's host is checked and resolved once (:mod:`.addresses`) and the connection is pinned to
that address: the request goes to the IP while the ``Host`` header and the TLS server name
(SNI, and the name the certificate is verified against) stay the host's. That is httpx's
documented way to connect to an explicit IP, the ``sni_hostname`` request extension
(https://www.python-httpx.org/advanced/extensions/#sni_hostname).

Redirects are followed by hand, at most :data:`MAX_REDIRECTS`, each hop checked again;
credentials go to the first origin only. The body is streamed and cut at ``max_bytes`` whatever
``Content-Length`` says, and the whole fetch (DNS, connects, redirects, body) runs under one
deadline, so a server that drips its body a byte at a time is cut when the deadline passes.
Proxies from the environment are ignored: they would connect to the name, not to the checked
address.
"""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import urljoin, urlsplit

import certifi
import httpx
from django.conf import settings

from .addresses import Address, resolve
from .base import FetchFailed, FetchRefused

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "como-inventory/1"


def fetch_https(
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    auth: tuple[str, str] | None = None,
    authorization: str | None = None,
) -> bytes:
    """The body at ``url``. FetchRefused for what policy forbids (scheme, address, size,
    redirects); FetchFailed for network trouble, the deadline and non-2xx answers.
    ``auth`` (user, password) is sent as HTTP Basic, or ``authorization`` as the whole
    ``Authorization`` header (``Bearer …``), to the URL's own origin only."""
    if authorization is not None:
        if not authorization.isprintable() or not authorization.isascii():
            raise FetchRefused("The authorization header holds characters a header cannot.")
        auth = None
    return asyncio.run(
        _fetch(url, max_bytes=max_bytes, timeout=timeout, auth=auth, authorization=authorization)
    )


async def _fetch(
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    auth: tuple[str, str] | None,
    authorization: str | None,
) -> bytes:
    context = _ssl_context()
    try:
        async with asyncio.timeout(timeout):
            async with httpx.AsyncClient(
                verify=context, trust_env=False, follow_redirects=False, timeout=timeout
            ) as client:
                return await _follow(
                    client, url, max_bytes=max_bytes, auth=auth, authorization=authorization
                )
    except TimeoutError:
        raise FetchFailed(f"Fetching {shown(url)} took longer than {timeout:g} s.") from None


async def _follow(
    client: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int,
    auth: tuple[str, str] | None,
    authorization: str | None,
) -> bytes:
    first = target(url)
    origin = _origin(first)
    if auth is None and authorization is None and first.username:
        auth = (first.username, first.password)
    for _hop in range(MAX_REDIRECTS + 1):
        parsed = target(url)
        address = await resolve(_host(parsed), _port(parsed))
        request = _pinned_request(client, parsed, address)
        # Credentials go to the first origin only, never to where it redirects.
        same_origin = _origin(parsed) == origin
        basic = httpx.BasicAuth(*auth) if auth is not None and same_origin else None
        if authorization is not None and same_origin:
            request.headers["Authorization"] = authorization
        try:
            response = await client.send(request, stream=True, auth=basic)
        except httpx.HTTPError as error:
            raise FetchFailed(
                f"Fetching {shown(url)} failed: {error or type(error).__name__}."
            ) from None
        try:
            if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
                url = urljoin(str(parsed), response.headers["location"])
                continue
            if not response.is_success:
                raise FetchFailed(f"{shown(url)} answered {response.status_code}.")
            return await _body(response, url, max_bytes)
        finally:
            await response.aclose()
    raise FetchRefused(f"More than {MAX_REDIRECTS} redirects, the last to {shown(url)}.")


def target(url: str) -> httpx.URL:
    """The URL, if its scheme is allowed and it names a host; FetchRefused otherwise."""
    try:
        parsed = httpx.URL(url)
        parsed.host  # noqa: B018 - decodes the IDNA name, which may be malformed ("xn--")
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        raise FetchRefused(f"{shown(url)!r} is not a URL ({error}).") from None
    allowed = (
        {"https", "http"} if getattr(settings, "COMO_INVENTORY_ALLOW_HTTP", False) else {"https"}
    )
    if parsed.scheme not in allowed:
        raise FetchRefused(
            f"{shown(url)!r}: only {' and '.join(sorted(allowed))} URLs are fetched"
            + ("" if "http" in allowed else " (COMO_INVENTORY_ALLOW_HTTP allows http)")
            + "."
        )
    if not parsed.raw_host:
        raise FetchRefused(f"{shown(url)!r} names no host.")
    return parsed


def shown(url: str) -> str:
    """The URL as messages show it: without user name, password, query or fragment, which may
    hold credentials (a feed URL's token) and end up in an import's report."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
    except ValueError:
        return "the URL"
    return f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else parts.path[:100]


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def _host(url: httpx.URL) -> str:
    """The host as DNS and TLS see it: an internationalised name in its ASCII (IDNA) form."""
    return url.raw_host.decode("ascii")


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    return (url.scheme, _host(url), _port(url))


def _pinned_request(
    client: httpx.AsyncClient,
    url: httpx.URL,
    address: Address,
) -> httpx.Request:
    host_header = url.netloc.decode("ascii").rpartition("@")[2]
    request = client.build_request(
        "GET",
        url.copy_with(host=str(address), username=None, password=None),
        headers={
            "Host": host_header,
            "User-Agent": USER_AGENT,
            # A feed is text that compresses well, but a small gzip body can inflate far beyond
            # max_bytes in one chunk: ask for it as it is (the cap counts decoded bytes anyway).
            "Accept-Encoding": "identity",
        },
        extensions={"sni_hostname": _host(url)},
    )
    return request


async def _body(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchRefused(f"{shown(url)} is {int(declared):,} bytes; the limit is {max_bytes:,}.")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise FetchRefused(f"{shown(url)} is larger than the limit of {max_bytes:,} bytes.")
            chunks.append(chunk)
    except httpx.HTTPError as error:
        raise FetchFailed(
            f"Reading {shown(url)} failed: {error or type(error).__name__}."
        ) from None
    return b"".join(chunks)


def _ssl_context() -> ssl.SSLContext:
    bundle = getattr(settings, "COMO_INVENTORY_CA_BUNDLE", "") or certifi.where()
    try:
        return ssl.create_default_context(cafile=bundle)
    except (OSError, ssl.SSLError) as error:
        raise FetchFailed(f"The CA bundle {bundle} could not be read ({error}).") from None
