"""The data a message template may read about its recipient and sender, and nothing more.

Creative is rendered by :func:`como.creative.render_creative` in a sandbox that accepts plain
data only; this is the one place that decides which fields that data has, for every channel."""

from __future__ import annotations

from typing import Any

from como.leads.models import Contact
from como.workspaces.models import Workspace


def message_context(*, contact: Contact, workspace: Workspace) -> dict[str, Any]:
    return {
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
