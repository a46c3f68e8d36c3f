"""Deliveries signed over exactly the bytes sent, whatever those bytes are."""

from __future__ import annotations

import time
from typing import Any

from django.test import Client

from como.channels.signatures import standard_signature
from tests.como.channels.email_support import SECRET

__all__ = ["SECRET", "signed_post"]


def signed_post(url: str, body: bytes, *, webhook_id: str = "msg_h1") -> Any:
    """POST ``body`` to a Standard Webhooks endpoint with a valid signature over it."""
    stamp = int(time.time())
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": standard_signature(
            SECRET, webhook_id=webhook_id, timestamp=stamp, body=body
        ),
    }
    return Client().post(url, data=body, content_type="application/json", headers=headers)
