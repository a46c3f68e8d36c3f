"""Reads of scores: a contact's score at any instant, explained rule by rule."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

from como.leads.models import Account, Contact, Event

from .engine import (
    AccountSnapshot,
    CompiledModel,
    ContactSnapshot,
    EventRecord,
    Score,
    compile_model,
    score_at,
)
from .models import ScoringModel
from .services import scoring_model_active


def contact_snapshot(contact: Contact) -> ContactSnapshot:
    return ContactSnapshot(
        email=contact.email,
        phone=contact.phone,
        first_name=contact.first_name,
        last_name=contact.last_name,
        title=contact.title,
        company_size=contact.company_size,
        industry=contact.industry,
        country=contact.country,
        region=contact.region,
        postal_code=contact.postal_code,
        external_id=contact.external_id,
        lifecycle_stage=contact.lifecycle_stage,
        attributes=contact.attributes or {},
    )


def account_snapshot(account: Account | None) -> AccountSnapshot | None:
    if account is None:
        return None
    return AccountSnapshot(
        domain=account.domain,
        name=account.name,
        industry=account.industry,
        employee_count=account.employee_count,
        annual_revenue=None if account.annual_revenue is None else float(account.annual_revenue),
        country=account.country,
        region=account.region,
        postal_code=account.postal_code,
        external_id=account.external_id,
        attributes=account.attributes or {},
    )


def compiled(model: ScoringModel) -> CompiledModel:
    """The version compiled once per process (versions are immutable; the key includes the
    definition all the same, so a reused id can never serve a stale compilation)."""
    return _compile(model.pk, json.dumps(model.definition, sort_keys=True))


@lru_cache(maxsize=256)
def _compile(pk: int, definition: str) -> CompiledModel:
    return compile_model(json.loads(definition))


def contact_events(*, contact: Contact, until: datetime) -> list[EventRecord]:
    """The contact's events up to ``until`` (inclusive), in one query."""
    rows = Event.objects.filter(contact_id=contact.pk, occurred_at__lte=until).values_list(
        "type", "properties", "occurred_at", "event_id"
    )
    return [
        EventRecord(event_id=event_id, type=type_, properties=properties or {}, occurred_at=when)
        for type_, properties, when, event_id in rows
    ]


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
