"""What the engine reads: plain snapshots of a contact, its account and its events.

Kept apart from the engine so the rule language can take the readable field names from these
classes (:data:`CONTACT_FIELDS`, :data:`ACCOUNT_FIELDS`) instead of a second list that drifts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, NamedTuple

from como.leads.normalize import email_domain


@dataclass(frozen=True, slots=True)
class ContactSnapshot:
    """The contact fields fit rules may read (``contact.<field>``)."""

    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    title: str = ""
    company_size: int | None = None
    industry: str = ""
    country: str = ""
    region: str = ""
    postal_code: str = ""
    external_id: str = ""
    lifecycle_stage: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def email_domain(self) -> str:
        return email_domain(self.email) if "@" in self.email else ""


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """The account fields fit rules may read (``account.<field>``)."""

    domain: str = ""
    name: str = ""
    industry: str = ""
    employee_count: int | None = None
    annual_revenue: float | None = None
    country: str = ""
    region: str = ""
    postal_code: str = ""
    external_id: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)


class EventRecord(NamedTuple):
    """One event as the engine reads it. A tuple, not a frozen dataclass: ingest makes one per
    event stored, and a frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``."""

    event_id: str
    type: str
    properties: Mapping[str, Any]
    occurred_at: datetime


def _readable(snapshot: type, *extra: str) -> frozenset[str]:
    # ``attributes`` is read as ``<root>.attributes.<key>``, never as a field of its own.
    return frozenset({f.name for f in fields(snapshot)} - {"attributes"} | set(extra))


#: Fields a fit rule may read; a typo is a validation error rather than a rule that never fires.
CONTACT_FIELDS = _readable(ContactSnapshot, "email_domain")
ACCOUNT_FIELDS = _readable(AccountSnapshot)
