"""Reads of scores: a contact's score at any instant, explained rule by rule."""

from __future__ import annotations

from datetime import datetime

from como.leads.models import Contact, Event

from .engine import Score, score_at
from .inputs import EVENT_COLUMNS, account_snapshot, compiled, contact_snapshot, event_record
from .models import ScoringModel
from .services import scoring_model_active
from .snapshots import EventRecord


def contact_events(*, contact: Contact, until: datetime) -> list[EventRecord]:
    """The contact's events up to ``until`` (inclusive), in one query."""
    rows = Event.objects.filter(contact_id=contact.pk, occurred_at__lte=until)
    return [event_record(*row) for row in rows.values_list(*EVENT_COLUMNS)]


def contact_score_at(*, contact: Contact, at: datetime, model: ScoringModel | None = None) -> Score:
    """The contact's exact score at ``at`` with ``model`` (default: the workspace's active
    version, created from the vertical's default on first use). Events after ``at`` are
    ignored; intent is decayed to ``at``. Reads the account (unless already loaded with
    ``select_related``) and the events in one query each."""
    if model is None:
        model = scoring_model_active(workspace=contact.workspace)
    return score_at(
        compiled(model),
        contact_snapshot(contact),
        account_snapshot(contact.account),
        contact_events(contact=contact, until=at),
        at,
    )
