"""Escalating handoffs (beat): a handoff nobody touched by its deadline passes on.

It records its SLA breach (once) and passes to the territory's next rep, then its manager; each
step notifies and re-arms the timer. Rows are claimed with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from como.workspaces.users import User

from ..execution import TransientError
from ..mail import EmailRejected
from ..models import Handoff, HandoffEscalation, Notification, Territory, TerritoryRep
from ..services import playbook_for
from .emails import handoff_email, handoff_email_send, handoff_link, handoff_subject, user_label
from .selectors import eligible_user_ids, users_by_id

logger = logging.getLogger(__name__)

_OVERDUE = Q(due_at__isnull=False, first_touch_at__isnull=True, decided_at__isnull=True)


def handoffs_escalate(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Escalate every handoff whose timer ran out untouched; returns their ids.

    Each one in a transaction of its own, claimed with ``FOR UPDATE SKIP LOCKED`` (another
    escalator's rows are skipped) and re-checked, so running this twice, or concurrently,
    escalates each step once. The breach is recorded at the first step only. A mail server
    that is down leaves that handoff for the next run."""
    now = now or timezone.now()
    due = list(
        Handoff.objects.filter(_OVERDUE, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    escalated: list[int] = []
    for pk in due:
        try:
            with transaction.atomic():
                handoff = (
                    Handoff.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("workspace", "contact__account", "rep", "action")
                    .filter(_OVERDUE, pk=pk, due_at__lte=now)
                    .first()
                )
                if handoff is None:
                    continue
                _escalate(handoff, now)
        except TransientError as error:
            logger.warning("handoff %s not escalated yet: %s", pk, error)
            continue
        escalated.append(pk)
    return escalated


def _escalate(handoff: Handoff, now: datetime) -> None:
    sla_minutes = playbook_for(handoff.workspace).handoff_sla_minutes
    if handoff.breached_at is None:
        handoff.breached_at = handoff.sla_due_at
    earlier = set(
        HandoffEscalation.objects.filter(handoff=handoff).values_list("from_user_id", "to_user_id")
    )
    had = {user_id for pair in earlier for user_id in pair if user_id} | {handoff.rep_id}
    target, role = _next_assignee(handoff, had)
    level = handoff.level + 1
    missed = handoff.due_at
    assert missed is not None
    previous = handoff.rep
    who = user_label(previous) if previous is not None else "Nobody"
    if target is None:
        why = (
            f"Not touched by {missed:%Y-%m-%d %H:%M:%S} UTC; nobody is left to escalate to, "
            f"{who} keeps it."
        )
    else:
        why = (
            f"Not touched within the {sla_minutes}-minute SLA (due {missed:%Y-%m-%d %H:%M:%S} "
            f"UTC): passed from {who} to {user_label(target)} ({role})."
        )
    HandoffEscalation.objects.create(
        workspace_id=handoff.workspace_id,
        handoff=handoff,
        level=level,
        from_user=previous,
        to_user=target,
        at=now,
        why=why,
    )
    handoff.level = level
    if target is None:
        handoff.due_at = None
        handoff.save(update_fields=["level", "due_at", "breached_at", "updated_at"])
        return
    handoff.rep = target
    handoff.assigned_at = now
    handoff.due_at = now + timedelta(minutes=sla_minutes)
    handoff.save(
        update_fields=["level", "rep", "assigned_at", "due_at", "breached_at", "updated_at"]
    )
    contact = handoff.contact
    Notification.objects.create(
        workspace_id=handoff.workspace_id,
        user=target,
        title=handoff_subject(contact, escalated_from=who),
        body=why,
        link=handoff_link(handoff),
    )
    if target.email:
        email = handoff_email(
            contact,
            handoff.action.payload,
            target,
            sla_minutes,
            handoff_link(handoff),
            key=f"handoff-{handoff.pk}-level-{level}",
            escalated_from=who,
        )
        try:
            # Inside the transaction: a mail server that is down rolls this step back (the
            # next run repeats it, with the same Message-ID should the first one have gone).
            handoff_email_send(email)
        except EmailRejected as error:
            logger.warning("escalation email of handoff %s refused: %s", handoff.pk, error)


def _next_assignee(handoff: Handoff, had: set[int | None]) -> tuple[User | None, str]:
    """Level 0 → the territory's next rep (after the current one, in order), or its manager
    when there is none; level 1 → the manager; after that nobody."""
    territory = (
        Territory.objects.filter(pk=handoff.territory_id).first() if handoff.territory_id else None
    )
    if territory is None:
        return None, ""
    if handoff.level == 0:
        eligible = eligible_user_ids(handoff.workspace_id)
        ring = [
            user_id
            for user_id in TerritoryRep.objects.filter(territory=territory)
            .order_by("position", "pk")
            .values_list("user_id", flat=True)
            if user_id in eligible
        ]
        start = ring.index(handoff.rep_id) + 1 if handoff.rep_id in ring else 0
        for user_id in ring[start:] + ring[:start]:
            if user_id not in had:
                return users_by_id([user_id])[user_id], "next rep"
    if handoff.level <= 1 and territory.manager_id and territory.manager_id != handoff.rep_id:
        return users_by_id([territory.manager_id])[territory.manager_id], "manager"
    return None, ""
