"""What the account's console page shows, read once per page: the header, the buying committee
as a grid of roles by engagement, the intent timeline and the members.

Everything comes from the selectors the API serves (:func:`.selectors.committee`, the intent
reader :func:`verticals.b2b.intent.selectors.accounts_intent_at`), so the page and
``/accounts/{id}/committee`` and ``/accounts/{id}/intent`` agree at the same instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from como.leads.models import Account

from ..intent.selectors import accounts_intent_at
from ..intent.timeline import intent_timeline
from .admin import current_choice, role_choices
from .selectors import MemberView, committee
from .settings import accounts_settings


@dataclass(frozen=True)
class MemberCell:
    """A member in the grid, with the override control's current choice."""

    view: MemberView
    choice: str  # the override's selected value (.admin.role_choices)

    @property
    def contact_id(self) -> int:
        return self.view.contact_id


@dataclass(frozen=True)
class GridRow:
    key: str  # "" for the members no role of the playbook's takes
    label: str
    required: bool
    weight: Decimal | None
    engaged: tuple[MemberCell, ...]
    idle: tuple[MemberCell, ...]

    @property
    def missing(self) -> bool:
        """A required role with no engaged member: coverage lacks it."""
        return self.required and not self.engaged


def account_page_context(account: Account, *, at: datetime) -> dict[str, Any]:
    settings = accounts_settings(account.workspace)
    found = committee(account, at=at)

    def cell(view: MemberView) -> MemberCell:
        return MemberCell(view, current_choice(view.role, view.role_source))

    def row(key: str, label: str, required: bool, weight: Decimal | None) -> GridRow:
        members = [
            cell(m)
            for m in found.members
            if (m.role == key if key else m.contact_id in found.unassigned)
        ]
        return GridRow(
            key,
            label,
            required,
            weight,
            engaged=tuple(m for m in members if m.view.engaged),
            idle=tuple(m for m in members if not m.view.engaged),
        )

    rows = [row(r.key, r.label, r.required, r.weight) for r in found.roles]
    if found.unassigned:
        rows.append(row("", "No committee role", False, None))
    (intent,) = accounts_intent_at(
        workspace=account.workspace, at=at, account_ids=[account.pk]
    ).values()
    return {
        "account": account,
        "committee": found,
        "committee_rows": rows,
        "role_choices": role_choices(settings.roles),
        "intent": intent,
        "timeline": intent_timeline(intent),
    }
