"""Twilio's ``X-Twilio-Signature``: how Twilio signs the webhooks it posts to us.

As Twilio documents it: take the full URL Twilio requested (scheme, host, path and query string),
append every POST parameter sorted by name, each as its name immediately followed by its value
(no separators), HMAC-SHA1 that string with the account's auth token, and base64 the digest.
A parameter sent more than once contributes each value, sorted, as Twilio's own SDKs do.

The scheme has **no timestamp**: a captured request verifies forever. Staleness cannot be
judged from the request, so replays are neutralised by the delivery's id instead (the
``MessageSid``, recorded once in :class:`~como.channels.models.WebhookReceipt`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence

#: Parameters by name, each with its values (a Django ``QueryDict`` fits via ``lists()``).
Params = Mapping[str, Sequence[str]]


def twilio_signature_base(url: str, params: Params) -> str:
    """The exact string Twilio signs."""
    parts = [url]
    for name in sorted(params):
        for value in sorted(params[name]):
            parts.append(name + value)
    return "".join(parts)


def twilio_signature(auth_token: str, url: str, params: Params) -> str:
    digest = hmac.new(
        auth_token.encode(), twilio_signature_base(url, params).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def twilio_signature_valid(
    *, auth_token: str, urls: Iterable[str], params: Params, signature: str
) -> bool:
    """Whether ``signature`` is Twilio's for any of ``urls`` (the public URL and the one the
    request arrived at can differ behind a proxy). Compared in constant time; an empty token or
    signature never verifies."""
    if not auth_token or not signature:
        return False
    given = signature.encode()
    valid = False
    for url in urls:
        # No early exit: every candidate costs the same whether or not an earlier one matched.
        expected = twilio_signature(auth_token, url, params).encode()
        valid |= hmac.compare_digest(expected, given)
    return valid
