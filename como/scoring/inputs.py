"""Rows in, engine inputs out: the one place ORM objects become scoring snapshots."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any

from como.leads.models import Account, Contact

from .engine import CompiledModel, compile_model
from .models import ScoringModel
from .snapshots import AccountSnapshot, ContactSnapshot, EventRecord


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


#: The Event columns an :class:`EventRecord` is made of, for ``values_list(*EVENT_COLUMNS)``.
EVENT_COLUMNS = ("event_id", "type", "properties", "occurred_at")


def event_record(event_id: str, type_: str, properties: Any, occurred_at: datetime) -> EventRecord:
    return EventRecord(event_id, type_, properties or {}, occurred_at)
