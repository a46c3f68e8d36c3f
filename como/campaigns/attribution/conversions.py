"""The conversions a recompute credits, read in batches: opportunities and moves to MQL, each
with its contacts and its milestones (store.py's docstring says which)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection

from como.deals.models import Opportunity, OpportunityStatus
from como.leads.models import Contact, ContactScore, LifecycleStage, LifecycleTransition
from como.workspaces.models import Workspace

from ..models import ConversionKind
from .batch import Milestones, micros


@dataclass(frozen=True, slots=True)
class Conversion:
    kind: str
    pk: int  # the opportunity's or the transition's
    contacts: tuple[int, ...]
    amount: Decimal | None
    converted_at: datetime
    when: Milestones  # the same instants in micros


_LEAD_SQL = """
SELECT c.id, coalesce(
    (SELECT min(t.at) FROM {transition} t WHERE t.contact_id = c.id AND t.to_stage <> %s),
    CASE WHEN c.lifecycle_stage <> %s THEN coalesce(s.first_seen_at, c.created_at) END)
FROM {contact} c JOIN {score} s ON s.contact_id = c.id
WHERE c.workspace_id = %s AND c.id = ANY(%s)
"""


def _lead_created(workspace: Workspace, contact_ids: Sequence[int]) -> dict[int, datetime]:
    """Contact → its lead creation: its first move out of subscriber (a contact that never
    moved but is past subscriber: when it was first seen, else created)."""
    if not contact_ids:
        return {}
    sql = _LEAD_SQL.format(
        transition=LifecycleTransition._meta.db_table,
        contact=Contact._meta.db_table,
        score=ContactScore._meta.db_table,
    )
    subscriber = LifecycleStage.SUBSCRIBER.value
    with connection.cursor() as cursor:
        cursor.execute(sql, [subscriber, subscriber, workspace.pk, list(contact_ids)])
        return {pk: at for pk, at in cursor.fetchall() if at is not None}


def opportunity_conversions(workspace: Workspace, pks: Sequence[int]) -> list[Conversion]:
    deals = list(
        Opportunity.objects.filter(workspace=workspace, pk__in=pks)
        .order_by("pk")
        .values_list("pk", "contact_id", "account_id", "amount", "status", "opened_at", "closed_at")
    )
    members: dict[int, list[int]] = defaultdict(list)
    accounts = {row[2] for row in deals if row[2] is not None}
    for pk, account_id in (
        Contact.objects.filter(workspace=workspace, account_id__in=accounts)
        .order_by("pk")
        .values_list("pk", "account_id")
    ):
        members[account_id].append(pk)
    everyone = {pk for people in members.values() for pk in people}
    everyone |= {row[1] for row in deals if row[1] is not None}
    leads = _lead_created(workspace, sorted(everyone))
    out = []
    for pk, contact_id, account_id, amount, status, opened_at, closed_at in deals:
        people = list(members.get(account_id, [])) if account_id is not None else []
        if contact_id is not None and contact_id not in people:
            people.append(contact_id)
        if contact_id is not None:
            lead = leads.get(contact_id)
        else:
            lead = min((leads[p] for p in people if p in leads), default=None)
        won = status == OpportunityStatus.WON
        converted = closed_at if won else opened_at
        when = Milestones(
            converted_at=micros(converted),
            lead_created_at=micros(lead) if lead is not None else None,
            opportunity_created_at=micros(opened_at),
            closed_won_at=micros(closed_at) if won else None,
        )
        out.append(
            Conversion(
                ConversionKind.OPPORTUNITY, pk, tuple(sorted(people)), amount, converted, when
            )
        )
    return out


def mql_conversions(workspace: Workspace, pks: Sequence[int]) -> list[Conversion]:
    moves = list(
        LifecycleTransition.objects.filter(workspace=workspace, pk__in=pks)
        .order_by("pk")
        .values_list("pk", "contact_id", "at")
    )
    leads = _lead_created(workspace, sorted({contact for _, contact, _ in moves}))
    return [
        Conversion(
            ConversionKind.MQL,
            pk,
            (contact_id,),
            None,
            at,
            Milestones(converted_at=micros(at), lead_created_at=_micros_or_none(leads, contact_id)),
        )
        for pk, contact_id, at in moves
    ]


def _micros_or_none(instants: dict[int, datetime], key: int) -> int | None:
    at = instants.get(key)
    return micros(at) if at is not None else None
