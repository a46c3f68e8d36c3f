"""Signed tokens for the tracking URLs in an email: the open pixel, click redirects and the
unsubscribe link.

A token carries what the tracking views need and nothing else: the workspace, the message's
idempotency key, the contact, the campaign and, for a click, the target URL. It is signed with
the project's secret (``django.core.signing``), with one salt per purpose, so an open token
cannot be replayed as an unsubscribe and a click token cannot be pointed at another URL: a
changed byte is a :class:`TokenInvalid`, and the click view redirects only to URLs it signed
itself (never an open redirect).

Tokens do not expire: an unsubscribe link must keep working for as long as the email is read
(CAN-SPAM asks for at least 30 days), and the same goes for its links. They are deterministic
(no timestamp), so rendering a message twice gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from django.core import signing

from ..public import public_url


class Purpose(StrEnum):
    OPEN = "o"
    CLICK = "c"
    UNSUBSCRIBE = "u"


class TokenInvalid(Exception):
    """Tampered, truncated, signed for another purpose, or not a token at all."""


@dataclass(frozen=True, slots=True)
class Tracked:
    """One message to one person: whose, which, to whom, for which campaign."""

    workspace_id: int
    key: str
    contact_id: int
    campaign_id: int | None = None
    #: Click tokens only: where the redirect goes.
    url: str = ""


def _signer(purpose: Purpose) -> signing.Signer:
    return signing.Signer(salt=f"como.channels.tracking.{purpose.value}")


def is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme.lower() in {"http", "https"} and bool(parts.netloc)


def token_make(purpose: Purpose, tracked: Tracked) -> str:
    data: list[Any] = [
        tracked.workspace_id,
        tracked.key,
        tracked.contact_id,
        tracked.campaign_id,
    ]
    if purpose is Purpose.CLICK:
        if not is_web_url(tracked.url):
            raise ValueError(f"only http(s) links are tracked, not {tracked.url!r}")
        data.append(tracked.url)
    return _signer(purpose).sign_object(data, compress=True)


def token_read(purpose: Purpose, token: str) -> Tracked:
    # A signature ends in a base64url character; mail clients that linkify plain text
    # sometimes take the full stop after a link into it.
    token = token.rstrip(".,;:!?")
    try:
        data = _signer(purpose).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as error:
        raise TokenInvalid(str(error)) from None
    expected = 5 if purpose is Purpose.CLICK else 4
    if not isinstance(data, list) or len(data) != expected:
        raise TokenInvalid("unexpected token contents")
    workspace_id, key, contact_id, campaign_id, *rest = data
    if not (
        isinstance(workspace_id, int)
        and isinstance(key, str)
        and isinstance(contact_id, int)
        and (campaign_id is None or isinstance(campaign_id, int))
    ):
        raise TokenInvalid("unexpected token contents")
    url = rest[0] if rest else ""
    if purpose is Purpose.CLICK and not (isinstance(url, str) and is_web_url(url)):
        raise TokenInvalid("the target is not an http(s) URL")
    return Tracked(workspace_id, key, contact_id, campaign_id, url)


def open_url(tracked: Tracked) -> str:
    return public_url(f"/t/o/{token_make(Purpose.OPEN, tracked)}.gif")


def click_url(tracked: Tracked, url: str) -> str:
    token = token_make(
        Purpose.CLICK,
        Tracked(tracked.workspace_id, tracked.key, tracked.contact_id, tracked.campaign_id, url),
    )
    return public_url(f"/t/c/{token}")


def unsubscribe_url(tracked: Tracked) -> str:
    return public_url(f"/t/u/{token_make(Purpose.UNSUBSCRIBE, tracked)}")
