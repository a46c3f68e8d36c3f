"""Webhook signatures in the Standard Webhooks scheme (https://www.standardwebhooks.com).

The provider sends ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
``webhook-signature``: space-separated ``v1,<base64 HMAC-SHA256>`` entries over
``f"{id}.{timestamp}.{body}"``, keyed with the secret's bytes (``whsec_<base64>``; during a
rotation several entries are sent and any one may match). A timestamp more than
:data:`TOLERANCE` away from our clock, in either direction, is refused so that a captured
delivery cannot be replayed later; replays inside the window are the caller's to catch by id.

A secret whose key is not base64 or is shorter than :data:`MIN_KEY_BYTES` is refused where it is
stored and where it is used (:class:`SecretUnusable`): an empty key lets anyone sign.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

TOLERANCE = 5 * 60
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
#: The specification asks for keys of 24 to 64 random bytes; below 192 bits a key is guessable
#: in principle, and its own example key is exactly 24. Longer keys cost HMAC nothing.
MIN_KEY_BYTES = 24


class SecretUnusable(ValueError):
    """A stored or typed secret no delivery can be verified with (empty, not base64, short)."""


class SignatureInvalid(Exception):
    """The delivery is not authentic. ``status`` is the HTTP answer: 400 for a malformed
    request, 401 for a bad signature or a timestamp outside the tolerance."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


def secret_bytes(secret: str) -> bytes:
    """The key of ``whsec_<base64>`` (the prefix is optional, as in the reference libraries);
    raise :class:`SecretUnusable` when it is not base64 or shorter than :data:`MIN_KEY_BYTES`."""
    value = secret.strip()
    if value.startswith(SECRET_PREFIX):
        value = value[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SecretUnusable("The secret is not whsec_ followed by base64.") from None
    if len(key) < MIN_KEY_BYTES:
        raise SecretUnusable(
            f"The secret's key is {len(key)} bytes; Standard Webhooks keys are at least "
            f"{MIN_KEY_BYTES} random bytes (whsec_ and 32 or more base64 characters)."
        )
    return key


def standard_secret_validate(secret: str) -> None:
    """What a secret must be to be stored: ``whsec_`` and a usable key."""
    if not secret.strip().startswith(SECRET_PREFIX):
        raise SecretUnusable("The secret must start with whsec_ (Standard Webhooks).")
    secret_bytes(secret)


def standard_signature(secret: str, *, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value a sender puts on ``body`` (one ``v1`` entry)."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def standard_verify(
    secret: str,
    *,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
    tolerance: int = TOLERANCE,
) -> str:
    """Check a delivery; return its ``webhook-id`` or raise :class:`SignatureInvalid`.

    ``headers`` is looked up by lower-case name (Django's ``request.headers`` is
    case-insensitive)."""
    webhook_id = headers.get("webhook-id") or ""
    stamp = headers.get("webhook-timestamp") or ""
    signatures = headers.get("webhook-signature") or ""
    if not webhook_id or not stamp or not signatures:
        raise SignatureInvalid("missing webhook-id, webhook-timestamp or webhook-signature", 400)
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        raise SignatureInvalid("webhook-timestamp must be Unix seconds", 400)
    timestamp = int(stamp)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureInvalid("webhook-timestamp is outside the tolerance")
    expected = standard_signature(secret, webhook_id=webhook_id, timestamp=timestamp, body=body)
    matched = False
    for entry in signatures.split():
        # No early exit: every entry is compared in constant time.
        matched |= hmac.compare_digest(entry.encode(), expected.encode())
    if not matched:
        raise SignatureInvalid("no webhook-signature matches")
    return webhook_id
