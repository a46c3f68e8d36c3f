"""Reads of saved audiences: who is in one now, and the preview (a count and a sample)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from como.leads.models import Contact

from .models import SavedAudience
from .rules import rule_contacts, rule_of

SAMPLE = 10


def audience_contacts(audience: SavedAudience, *, now: datetime | None = None) -> QuerySet[Contact]:
    """The audience's contacts at ``now`` (one query, evaluated lazily)."""
    return rule_contacts(
        rule_of(audience.rule), workspace_id=audience.workspace_id, now=now or timezone.now()
    )


def audience_preview(
    audience: SavedAudience, *, now: datetime | None = None, sample: int = SAMPLE
) -> dict[str, Any]:
    """How many people are in the audience now, and the most recently seen few."""
    contacts = audience_contacts(audience, now=now)
    rows = contacts.order_by(F("score__last_seen_at").desc(nulls_last=True), "-id").values(
        "id", "email", "first_name", "last_name", "lifecycle_stage", "country"
    )[:sample]
    return {"count": contacts.count(), "sample": list(rows)}
