"""Building event payloads for the ingest tests."""

from __future__ import annotations

from typing import Any

OCCURRED_AT = "2026-01-01T10:00:00Z"


def event(id: str, contact: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A valid event as a sender would post it; ``fields`` override or add keys."""
    item: dict[str, Any] = {
        "id": id,
        "type": "page_view",
        "occurred_at": OCCURRED_AT,
        "contact": contact if contact is not None else {"email": f"{id}@example.com"},
        "properties": {"path": "/pricing"},
    }
    item.update(fields)
    return item
