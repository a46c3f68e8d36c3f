"""The account score at an instant, explained part by part.

``score(t) = fit + Σ_members weight(level) · I_member(t) + I_signals(t)``:

- **fit**: the playbook's ICP (``accounts.scoring.icp``): the first matching item of industry,
  employee band and country, plus every matching technology item; it does not decay;
- **members**: each committee member's contact intent at ``t`` (their decayed event points, as
  the contact score counts them) times their level's weight (C-level 200 %, … other 50 %);
- **signals**: the account's intent signals that surge (:mod:`verticals.b2b.intent.engine`).

Every intent part decays by the workspace's scoring-model rate (:mod:`como.scoring.decay`), so
the account's intent decays by one shared factor and a stored ``(fit, intent, as_of)`` gives the
score at any later instant (:mod:`.score_state`). This module computes it from the histories
instead, so it is exact at any instant, past ones included (``GET /api/v1/accounts/{id}/score``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from como.leads.models import Account
from como.workspaces.models import Workspace

from ..intent.engine import AccountIntent
from ..intent.selectors import accounts_intent_at
from .selectors import levels_by_account, members_intent
from .settings import AccountsSettings, Icp, LevelWeights, accounts_settings


@dataclass(frozen=True)
class FitItem:
    """One ICP criterion the account matches: ``criterion`` (industry, employee_band, country,
    technology), the account's ``value`` that matched, and its ``points``."""

    criterion: str
    value: str
    points: float


@dataclass(frozen=True)
class MemberPart:
    contact_id: int
    role: str
    level: str
    #: the level's weight as a factor (2.0 for 200 %)
    weight: float
    #: the member's contact intent at the instant
    intent: float
    #: weight · intent
    value: float


@dataclass(frozen=True)
class AccountScore:
    account_id: int
    at: datetime
    fit_items: tuple[FitItem, ...]
    members: tuple[MemberPart, ...]
    signals: AccountIntent

    @property
    def fit(self) -> float:
        return sum(item.points for item in self.fit_items)

    @property
    def members_intent(self) -> float:
        return sum(part.value for part in self.members)

    @property
    def intent(self) -> float:
        return self.members_intent + self.signals.intent

    @property
    def score(self) -> float:
        return self.fit + self.intent


@dataclass(frozen=True)
class FitFacts:
    """What the ICP reads of an account."""

    industry: str
    employee_count: int | None
    country: str
    attributes: Mapping[str, Any]


def account_fit(facts: FitFacts, icp: Icp) -> tuple[FitItem, ...]:
    """The ICP items ``facts`` match, in the playbook's order."""
    items: list[FitItem] = []
    if facts.industry:
        first = next((item for item in icp.industries if item.matches(facts.industry)), None)
        if first is not None:
            items.append(FitItem("industry", facts.industry, first.points))
    if facts.employee_count is not None:
        count = facts.employee_count
        band = next((b for b in icp.employee_bands if b.matches(count)), None)
        if band is not None:
            items.append(FitItem("employee_band", band.label, band.points))
    if facts.country:
        first = next((item for item in icp.countries if item.matches(facts.country)), None)
        if first is not None:
            items.append(FitItem("country", facts.country.upper(), first.points))
    technologies = facts.attributes.get(icp.technologies_attribute) if facts.attributes else None
    if isinstance(technologies, list):
        names = [t for t in technologies if isinstance(t, str)]
        for item in icp.technologies:
            hit = next((name for name in names if item.matches(name)), None)
            if hit is not None:
                items.append(FitItem("technology", hit, item.points))
    return tuple(items)


def member_parts(
    members: Collection[tuple[int, str, str]],
    intents: Mapping[int, float],
    weights: LevelWeights,
) -> tuple[MemberPart, ...]:
    """Each ``(contact id, role, level)`` member's weighted share of ``intents``."""
    parts = []
    for contact_id, role, level in sorted(members):
        weight = weights.of(level)
        intent = intents.get(contact_id, 0.0)
        parts.append(MemberPart(contact_id, role, level, weight, intent, weight * intent))
    return tuple(parts)


def account_scores_at(
    workspace: Workspace,
    account_ids: Collection[int],
    *,
    at: datetime,
    settings: AccountsSettings | None = None,
) -> dict[int, AccountScore]:
    """These accounts' scores at ``at`` from the histories, explained (a constant number of
    queries however many accounts)."""
    settings = settings or accounts_settings(workspace)
    ids = sorted(set(account_ids))
    facts = {
        pk: FitFacts(industry, employees, country, attributes or {})
        for pk, industry, employees, country, attributes in Account.objects.filter(
            workspace_id=workspace.pk, pk__in=ids
        ).values_list("pk", "industry", "employee_count", "country", "attributes")
    }
    members = levels_by_account(workspace, list(facts))
    contact_ids = [contact for rows in members.values() for contact, _, _ in rows]
    intents = members_intent(workspace, contact_ids, at=at, window=None)
    signals = accounts_intent_at(workspace=workspace, at=at, account_ids=list(facts))
    scoring = settings.scoring
    return {
        pk: AccountScore(
            account_id=pk,
            at=at,
            fit_items=account_fit(facts[pk], scoring.icp),
            members=member_parts(members[pk], intents, scoring.level_weights),
            signals=signals[pk],
        )
        for pk in facts
    }


def account_score_at(account: Account, at: datetime) -> AccountScore:
    return account_scores_at(account.workspace, [account.pk], at=at)[account.pk]
