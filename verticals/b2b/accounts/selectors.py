"""Reads of buying committees at an instant: members' engagement and the committee's coverage.

Engagement is computed, never stored, since it changes with time: a member's intent at ``t`` in
the playbook's window is the sum of the intent contributions their own events earned in
``(t - window, t]`` (the workspace's active scoring model, caps applied over the whole history
exactly as the contact's score counts them), each decayed to ``t``. Reading is set-based: one
read of the members and two of their histories (:func:`como.scoring.score_state.scoring_inputs`)
however many accounts are asked for, so an account score can ask for many accounts at once.

Coverage (Salesforce's completeness, docs/architecture.md, "B2B accounts"): the required roles
with at least one engaged member ÷ the required roles; the required roles without one are named.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from como.leads.models import Account
from como.scoring.decay import decayed
from como.scoring.engine import evaluate_intent
from como.scoring.inputs import compiled
from como.scoring.score_state import scoring_inputs
from como.scoring.services import scoring_model_active
from como.workspaces.models import Workspace

from .models import CommitteeMember
from .settings import AccountsSettings, accounts_settings


@dataclass(frozen=True)
class MemberView:
    contact_id: int
    name: str
    email: str
    title: str
    role: str
    role_source: str
    level: str
    department: str
    #: intent points earned in the window, decayed to the instant
    intent: float
    engaged: bool


@dataclass(frozen=True)
class RoleView:
    key: str
    label: str
    required: bool
    weight: Decimal
    hs_buying_roles: tuple[str, ...]
    members: tuple[int, ...]
    engaged: tuple[int, ...]


@dataclass(frozen=True)
class Committee:
    account_id: int
    at: datetime
    window_days: int
    min_intent: float
    roles: tuple[RoleView, ...]
    members: tuple[MemberView, ...]
    #: members whose role is none of the playbook's (no role, or a role since removed)
    unassigned: tuple[int, ...] = field(default=())

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(role.key for role in self.roles if role.required)

    @property
    def covered(self) -> tuple[str, ...]:
        return tuple(role.key for role in self.roles if role.required and role.engaged)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(role.key for role in self.roles if role.required and not role.engaged)

    @property
    def missing_labels(self) -> tuple[str, ...]:
        return tuple(role.label for role in self.roles if role.required and not role.engaged)

    @property
    def coverage(self) -> Fraction | None:
        """Covered ÷ required, exact; None when the playbook requires no role."""
        required = len(self.required)
        return Fraction(len(self.covered), required) if required else None


def members_intent(
    workspace: Workspace,
    contact_ids: Collection[int],
    *,
    at: datetime,
    window: timedelta | None,
) -> dict[int, float]:
    """Each contact's intent earned in ``(at - window, at]`` (``window`` None: ever, which is
    the contact's intent at ``at``), decayed to ``at``, from its history."""
    if not contact_ids:
        return {}
    engine = compiled(scoring_model_active(workspace=workspace))
    rate = engine.rate_per_quarter
    since = None if window is None else at - window
    out: dict[int, float] = {}
    for item in scoring_inputs(workspace.pk, sorted(set(contact_ids))):
        out[item.contact_id] = sum(
            decayed(c.points, rate, c.occurred_at, at)
            for c in evaluate_intent(engine, item.events, at)
            if since is None or c.occurred_at > since
        )
    return out


def committees(
    workspace: Workspace,
    account_ids: Collection[int],
    *,
    at: datetime,
    settings: AccountsSettings | None = None,
) -> dict[int, Committee]:
    """The committees of these accounts of ``workspace`` at ``at``, by account id."""
    settings = settings or accounts_settings(workspace)
    window = timedelta(days=settings.engagement.window_days)
    members = list(
        CommitteeMember.objects.filter(workspace_id=workspace.pk, account_id__in=account_ids)
        .select_related("contact")
        .order_by("account_id", "contact_id")
    )
    intent = members_intent(workspace, [m.contact_id for m in members], at=at, window=window)
    by_account: dict[int, list[MemberView]] = {pk: [] for pk in account_ids}
    for member in members:
        points = intent.get(member.contact_id, 0.0)
        contact = member.contact
        by_account[member.account_id].append(
            MemberView(
                contact_id=member.contact_id,
                name=f"{contact.first_name} {contact.last_name}".strip(),
                email=contact.email,
                title=contact.title,
                role=member.role,
                role_source=member.role_source,
                level=member.level,
                department=member.department,
                intent=points,
                engaged=points >= settings.engagement.min_intent,
            )
        )
    return {pk: _committee(pk, views, at, settings) for pk, views in by_account.items()}


def _committee(
    account_id: int, views: list[MemberView], at: datetime, settings: AccountsSettings
) -> Committee:
    keys = {role.key for role in settings.roles}
    roles = tuple(
        RoleView(
            key=role.key,
            label=role.label,
            required=role.required,
            weight=role.weight,
            hs_buying_roles=tuple(role.hs_buying_roles),
            members=tuple(v.contact_id for v in views if v.role == role.key),
            engaged=tuple(v.contact_id for v in views if v.role == role.key and v.engaged),
        )
        for role in settings.roles
    )
    return Committee(
        account_id=account_id,
        at=at,
        window_days=settings.engagement.window_days,
        min_intent=settings.engagement.min_intent,
        roles=roles,
        members=tuple(views),
        unassigned=tuple(v.contact_id for v in views if v.role not in keys),
    )


def committee(account: Account, *, at: datetime) -> Committee:
    return committees(account.workspace, [account.pk], at=at)[account.pk]


def levels_by_account(
    workspace: Workspace, account_ids: Collection[int]
) -> Mapping[int, list[tuple[int, str, str]]]:
    """``account → [(contact id, role, level)]``: what an account score weights members'
    intent by, in one query."""
    out: dict[int, list[tuple[int, str, str]]] = {pk: [] for pk in account_ids}
    rows = CommitteeMember.objects.filter(
        workspace_id=workspace.pk, account_id__in=account_ids
    ).values_list("account_id", "contact_id", "role", "level")
    for account_id, contact_id, role, level in rows:
        out[account_id].append((contact_id, role, level))
    return out
