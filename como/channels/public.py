"""Where recipients and platforms reach como: absolute URLs on the public host.

Emails link here, Twilio posts its status callbacks here and ad platforms pull catalog feeds
from here, so every channel builds its outward URLs with :func:`public_url`."""

from __future__ import annotations

from django.conf import settings


def public_url(path: str) -> str:
    """An absolute URL on the public host recipients reach (``COMO_PUBLIC_URL``)."""
    return f"{settings.COMO_PUBLIC_URL.rstrip('/')}{path}"
