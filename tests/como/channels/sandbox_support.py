"""What the sandbox records for a secret header, computed here independently of the code."""

from __future__ import annotations

import hashlib


def recorded_secret(value: str) -> str:
    """``Bearer ya29.x`` is recorded as ``Bearer [redacted sha256:<12 hex of the value>]``."""
    scheme, _, secret = value.partition(" ")
    digest = hashlib.sha256(value.encode()).hexdigest()[:12]
    return f"{scheme} [redacted sha256:{digest}]" if secret else f"[redacted sha256:{digest}]"
