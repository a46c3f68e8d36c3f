"""What every fetcher shares: its two failures and the limits it reads from the settings."""

from __future__ import annotations

from django.conf import settings

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_TIMEOUT = 60.0


class FetchError(Exception):
    """A source could not be fetched; the message says why, for the import's report."""


class FetchRefused(FetchError):
    """Refused by policy (an address como may not reach, a file too large, http without the
    setting, an unpinned or wrong SSH host key): permanent, retrying changes nothing."""


class FetchFailed(FetchError):
    """The network or the server failed (timeout, refused connection, 5xx): transient."""


def max_bytes() -> int:
    return int(getattr(settings, "COMO_INVENTORY_MAX_BYTES", DEFAULT_MAX_BYTES))


def timeout() -> float:
    return float(getattr(settings, "COMO_INVENTORY_FETCH_TIMEOUT", DEFAULT_TIMEOUT))
