"""Writes of deals: a batch of opportunities checked item by item, then upserted by external
id with their stage history, and their contacts moved to the opportunity and customer stages.

Check, then do: :func:`opportunities_check` judges each item on its own (the same serializer
for the API and a CSV row), :func:`opportunities_upsert` writes the good ones in one
transaction. One bad item never drops the good ones; a re-sent item changes the row where it
differs and appends a transition only when its status or CRM stage moved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from rest_framework import serializers

from como.leads.models import Account, Contact, LifecycleStage
from como.leads.normalize import normalize_domain, normalize_email
from como.leads.services import account_create, actor_of, contact_create, contact_stage_change
from como.workspaces.models import Workspace
from como.workspaces.principal import Principal

from .models import Opportunity, OpportunityStatus, OpportunityTransition
from .reactions import opportunities_changed
from .serializers import OpportunityInSerializer

Status = Literal["created", "updated", "unchanged", "rejected"]
#: The advisory lock's first key ("deal"); the second is the workspace id.
_LOCK_SPACE = 0x6465616C

#: A contact with a deal is at least an opportunity; these are the stages before it.
BEFORE_OPPORTUNITY = (
    LifecycleStage.SUBSCRIBER,
    LifecycleStage.LEAD,
    LifecycleStage.MQL,
    LifecycleStage.SQL,
    LifecycleStage.RECYCLED,
)
_FIELDS = (
    "name",
    "amount",
    "currency",
    "status",
    "stage_name",
    "opened_at",
    "closed_at",
    "source",
    "vin",
)


@dataclass(frozen=True, slots=True)
class Outcome:
    index: int
    external_id: str | None
    status: Status
    id: int | None = None
    errors: dict[str, Any] | None = None


Checked = tuple[int, dict[str, Any]]


def opportunities_check(items: Sequence[Any]) -> tuple[list[Checked], list[Outcome]]:
    """The items that pass (index, cleaned data) and the rejections, each naming its index.

    An external id repeated within the batch is refused on the later items: which of two
    versions is the deal would be a guess."""
    good: list[Checked] = []
    rejected: list[Outcome] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            rejected.append(Outcome(index, None, "rejected", errors={"detail": ["Not an object."]}))
            continue
        given = OpportunityInSerializer(data=item)
        if not given.is_valid():
            echo = item.get("external_id")
            echo = echo if isinstance(echo, str) and len(echo) <= 128 else None
            rejected.append(Outcome(index, echo, "rejected", errors=dict(given.errors)))
            continue
        data: dict[str, Any] = dict(given.validated_data)
        external_id = data["external_id"]
        if external_id in seen:
            message = f"Repeats item {seen[external_id]} of this batch."
            rejected.append(
                Outcome(index, external_id, "rejected", errors={"external_id": [message]})
            )
            continue
        seen[external_id] = index
        good.append((index, data))
    return good, rejected


def opportunities_save(
    *,
    workspace: Workspace,
    items: Sequence[Any],
    via: str,
    actor: Principal | None = None,
    now: datetime | None = None,
) -> list[Outcome]:
    """Check and upsert ``items``; one outcome per item, in input order."""
    good, rejected = opportunities_check(items)
    done = (
        opportunities_upsert(workspace=workspace, items=good, via=via, actor=actor, now=now)
        if good
        else []
    )
    return sorted([*done, *rejected], key=lambda outcome: outcome.index)


@transaction.atomic
def opportunities_upsert(
    *,
    workspace: Workspace,
    items: Sequence[Checked],
    via: str,
    actor: Principal | None = None,
    now: datetime | None = None,
) -> list[Outcome]:
    """Create or update checked items by external id; record stage history; move contacts.

    Locks: a transaction-level advisory lock per workspace (``_LOCK_SPACE``, workspace id), so
    two batches naming the same external id run one after the other; callers holding other
    locks must take them before this one. An item whose contact or account cannot be
    resolved or created is rejected alone."""
    now = now or timezone.now()
    kind, user_id = actor_of(actor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, workspace.pk])
    contacts = _ContactResolver(workspace, [data.get("contact") for _, data in items])
    accounts = _AccountResolver(workspace, [data.get("account") for _, data in items])
    existing = {
        opportunity.external_id: opportunity
        for opportunity in Opportunity.objects.filter(
            workspace=workspace, external_id__in=[data["external_id"] for _, data in items]
        )
    }
    outcomes: list[Outcome] = []
    history: list[OpportunityTransition] = []
    moved: list[Opportunity] = []

    def transition(opportunity: Opportunity, before: Opportunity | None, at: datetime) -> None:
        history.append(
            OpportunityTransition(
                workspace_id=workspace.pk,
                opportunity=opportunity,
                from_status=before.status if before else "",
                to_status=opportunity.status,
                from_stage_name=before.stage_name if before else "",
                to_stage_name=opportunity.stage_name,
                amount=opportunity.amount,
                at=at,
                via=via,
                actor_kind=kind,
                actor_id=user_id,
            )
        )

    for index, data in items:
        external_id = data["external_id"]
        remembered = contacts.remembered(), accounts.remembered()
        contacts.failed = False  # which of the two refused this item, below
        try:
            with transaction.atomic():  # a savepoint: a contact that cannot be made is one item
                # The account first: making a contact may make its email domain's account
                # (a vertical's reaction), which this item's account then is.
                account_id = accounts.resolve(data.get("account"))
                contact_id = contacts.resolve(data.get("contact"))
        except ValidationError as error:
            # The savepoint took back what this item created: so must the resolvers.
            contacts.forget_since(remembered[0])
            accounts.forget_since(remembered[1])
            detail = serializers.as_serializer_error(error)
            field = "contact" if contacts.failed else "account"
            outcomes.append(Outcome(index, external_id, "rejected", errors={field: detail}))
            continue
        values = {name: data[name if name != "stage_name" else "stage"] for name in _FIELDS}
        if contact_id is not None:
            values["contact_id"] = contact_id
        if account_id is not None:
            values["account_id"] = account_id
        opportunity = existing.get(external_id)
        if opportunity is None:
            opportunity = Opportunity(
                workspace=workspace,
                external_id=external_id,
                attributes=data["attributes"],
                **values,
            )
            opportunity.save()
            existing[external_id] = opportunity
            if opportunity.status == OpportunityStatus.OPEN:
                transition(opportunity, None, opportunity.opened_at)
            else:
                # Created closed: it was open from opened_at; the stages between are unknown.
                opened = Opportunity(status=OpportunityStatus.OPEN, stage_name="")
                history.append(_opening(workspace, opportunity, via, kind, user_id))
                transition(opportunity, opened, opportunity.closed_at or now)
            moved.append(opportunity)
            outcomes.append(Outcome(index, external_id, "created", opportunity.pk))
            continue
        attributes = opportunity.attributes | data["attributes"]
        changed = [n for n, v in values.items() if getattr(opportunity, n) != v]
        if attributes != opportunity.attributes:
            changed.append("attributes")
        if not changed:
            outcomes.append(Outcome(index, external_id, "unchanged", opportunity.pk))
            continue
        before = Opportunity(status=opportunity.status, stage_name=opportunity.stage_name)
        for name, value in values.items():
            setattr(opportunity, name, value)
        opportunity.attributes = attributes
        opportunity.save(update_fields=[*changed, "updated_at"])
        if (before.status, before.stage_name) != (opportunity.status, opportunity.stage_name):
            closing = opportunity.status != before.status and opportunity.closed_at is not None
            transition(opportunity, before, opportunity.closed_at if closing else now)
        moved.append(opportunity)
        outcomes.append(Outcome(index, external_id, "updated", opportunity.pk))
    OpportunityTransition.objects.bulk_create(history)
    _contacts_advance(workspace, moved, kind, user_id)
    opportunities_changed(workspace, [opportunity.pk for opportunity in moved])
    return outcomes


def _opening(
    workspace: Workspace, opportunity: Opportunity, via: str, kind: str, user_id: int | None
) -> OpportunityTransition:
    return OpportunityTransition(
        workspace_id=workspace.pk,
        opportunity=opportunity,
        from_status="",
        to_status=OpportunityStatus.OPEN,
        amount=opportunity.amount,
        at=opportunity.opened_at,
        via=via,
        actor_kind=kind,
        actor_id=user_id,
    )


def _contacts_advance(
    workspace: Workspace, opportunities: Iterable[Opportunity], kind: str, user_id: int | None
) -> None:
    """Each deal's contact to ``opportunity`` when it opened and to ``customer`` when it was
    won, through the leads' stage-change service: append-only transitions, set-based per
    instant, and nobody moved twice (a customer stays one, a lost deal moves nobody back)."""
    opened: defaultdict[datetime, set[int]] = defaultdict(set)
    won: defaultdict[datetime, set[int]] = defaultdict(set)
    for opportunity in opportunities:
        if opportunity.contact_id is None:
            continue
        opened[opportunity.opened_at].add(opportunity.contact_id)
        if opportunity.status == OpportunityStatus.WON and opportunity.closed_at is not None:
            won[opportunity.closed_at].add(opportunity.contact_id)
    for at in sorted(opened):
        contact_stage_change(
            workspace=workspace,
            to_stage=LifecycleStage.OPPORTUNITY,
            reason="An opportunity was opened.",
            contact_ids=opened[at],
            from_stages=BEFORE_OPPORTUNITY,
            actor_kind=kind,
            actor_id=user_id,
            at=at,
        )
    not_customer = [stage for stage in LifecycleStage.values if stage != LifecycleStage.CUSTOMER]
    for at in sorted(won):
        contact_stage_change(
            workspace=workspace,
            to_stage=LifecycleStage.CUSTOMER,
            reason="An opportunity was won.",
            contact_ids=won[at],
            from_stages=not_customer,
            actor_kind=kind,
            actor_id=user_id,
            at=at,
        )


class _ContactResolver:
    """Contacts by email or external id, read in two queries; a missing one is created."""

    def __init__(self, workspace: Workspace, refs: Sequence[Mapping[str, str] | None]) -> None:
        self.workspace = workspace
        self.failed = False
        emails, external = set(), set()
        for ref in refs:
            if ref:
                if email := _email(ref):
                    emails.add(email)
                if external_id := (ref.get("external_id") or "").strip():
                    external.add(external_id)
        scoped = Contact.objects.filter(workspace=workspace)
        self.by_email: dict[str, int] = dict(
            scoped.filter(email__in=emails).values_list("email", "id")
        )
        self.by_external: dict[str, int] = dict(
            scoped.filter(external_id__in=external).values_list("external_id", "id")
        )

    def remembered(self) -> tuple[dict[str, int], ...]:
        return dict(self.by_email), dict(self.by_external)

    def forget_since(self, remembered: tuple[dict[str, int], ...]) -> None:
        self.by_email, self.by_external = (dict(known) for known in remembered)

    def resolve(self, ref: Mapping[str, str] | None) -> int | None:
        self.failed = False
        if not ref:
            return None
        email, external_id = _email(ref), (ref.get("external_id") or "").strip()
        found = self.by_email.get(email) if email else None
        if found is None and external_id:
            found = self.by_external.get(external_id)
        if found is not None:
            return found
        self.failed = True
        contact = contact_create(workspace=self.workspace, email=email, external_id=external_id)
        self.failed = False
        if email:
            self.by_email[email] = contact.pk
        if external_id:
            self.by_external[external_id] = contact.pk
        return contact.pk


class _AccountResolver:
    """Accounts by external id, then domain, then name (without case); a missing one is
    created with what the item says of it."""

    def __init__(self, workspace: Workspace, refs: Sequence[Mapping[str, str] | None]) -> None:
        self.workspace = workspace
        given = [ref for ref in refs if ref]
        external = {v for ref in given if (v := (ref.get("external_id") or "").strip())}
        domains = {v for ref in given if (v := _domain(ref))}
        names = {v.lower() for ref in given if (v := (ref.get("name") or "").strip())}
        self.by_external: dict[str, int] = {}
        self.by_domain: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        if not given:
            return
        rows = (
            Account.objects.filter(workspace=workspace)
            .annotate(lowered=Lower("name"))
            .filter(Q(external_id__in=external) | Q(domain__in=domains) | Q(lowered__in=names))
            .order_by("id")
            .values_list("id", "external_id", "domain", "name")
        )
        for pk, external_id, domain, name in rows:
            self._remember(pk, external_id, domain, name)

    def remembered(self) -> tuple[dict[str, int], ...]:
        return dict(self.by_external), dict(self.by_domain), dict(self.by_name)

    def forget_since(self, remembered: tuple[dict[str, int], ...]) -> None:
        self.by_external, self.by_domain, self.by_name = (dict(known) for known in remembered)

    def _remember(self, pk: int, external_id: str, domain: str, name: str) -> None:
        if external_id:
            self.by_external.setdefault(external_id, pk)
        if domain:
            self.by_domain.setdefault(domain, pk)
        if name:
            self.by_name.setdefault(name.lower(), pk)

    def resolve(self, ref: Mapping[str, str] | None) -> int | None:
        if not ref:
            return None
        external_id = (ref.get("external_id") or "").strip()
        domain, name = _domain(ref), (ref.get("name") or "").strip()
        for found in (
            self.by_external.get(external_id) if external_id else None,
            self.by_domain.get(domain) if domain else None,
            self.by_name.get(name.lower()) if name else None,
        ):
            if found is not None:
                return found
        # Made since this batch began reading (by a reaction to a contact it made)?
        made = (
            Account.objects.filter(workspace=self.workspace, domain=domain)
            .values_list("id", "external_id", "domain", "name")
            .first()
            if domain
            else None
        )
        if made is not None:
            self._remember(*made)
            return made[0]
        account = account_create(
            workspace=self.workspace, external_id=external_id, domain=domain, name=name
        )
        self._remember(account.pk, account.external_id, account.domain, account.name)
        return account.pk


def _email(ref: Mapping[str, str]) -> str:
    value = (ref.get("email") or "").strip()
    try:
        return normalize_email(value) if value else ""
    except ValidationError:
        return value.lower()


def _domain(ref: Mapping[str, str]) -> str:
    value = (ref.get("domain") or "").strip()
    try:
        return normalize_domain(value) if value else ""
    except ValidationError:
        return ""
