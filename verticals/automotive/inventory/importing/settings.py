"""The settings the import reads, with their defaults (README, "Configuration")."""

from __future__ import annotations

from django.conf import settings

#: The largest feed accepted, in bytes.
DEFAULT_MAX_BYTES = 200 * 1024 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "COMO_INVENTORY_MAX_BYTES", DEFAULT_MAX_BYTES))
