"""The data a message template may read about its recipient and sender, and nothing more.

Creative is rendered by :func:`como.creative.render_creative` in a sandbox that accepts plain
data only; this is the one place that decides which fields that data has, for every channel.

A send may carry extra context in its payload (``"context"``: a sequence's source puts the
vehicle and the service due there); it is merged in, but never replaces what identifies the
recipient, the sender or the way out (:data:`RESERVED`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from como.leads.models import Contact
from como.workspaces.models import Workspace

#: Where an email template may place its unsubscribe link (the email channel fills it in).
UNSUBSCRIBE_KEY = "unsubscribe_url"
#: Keys extra context may not set: the recipient, the sender and the unsubscribe link.
RESERVED = frozenset({"contact", "sender", UNSUBSCRIBE_KEY})


def payload_context(payload: Any) -> Mapping[str, Any]:
    """The extra context an action's payload carries (``"context"``), or none."""
    extra = payload.get("context") if isinstance(payload, Mapping) else None
    return extra if isinstance(extra, Mapping) else {}


def message_context(
    *, contact: Contact, workspace: Workspace, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What a template reads: ``extra``'s keys (minus :data:`RESERVED`), then the contact and
    the sender, which win."""
    merged = {str(k): v for k, v in (extra or {}).items() if str(k) not in RESERVED}
    return {
        **merged,
        "contact": {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "name": " ".join(p for p in (contact.first_name, contact.last_name) if p),
            "email": contact.email,
            "title": contact.title,
            "country": contact.country,
            "region": contact.region,
            "postal_code": contact.postal_code,
        },
        "sender": {"name": workspace.name, "postal_address": workspace.postal_address},
    }
