"""Executing a handoff (the ``mql_handoff`` executor): start the SLA timer, tell the rep.

The :class:`~como.agents.models.Handoff` is created and its SLA timer started (the playbook's
``handoff_sla_minutes``), the rep gets an in-app notification (one per action and user) and an
email whose Message-ID comes from the action id. Running it again changes nothing and sends
nothing new.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from como.leads.models import Contact, LifecycleStage

from ..mail import EmailRejected
from ..models import AgentAction, Handoff, Notification, Territory
from ..services import playbook_for
from .emails import handoff_email, handoff_email_send, handoff_link, handoff_subject
from .selectors import users_by_id


def handoff_execute(action: AgentAction, idempotency_key: str) -> dict[str, Any]:
    """The ``mql_handoff`` executor: start the handoff, notify the rep in the app and by email.

    Idempotent: the handoff is one row per action, the notification one per action and user,
    and the email is sent until it is recorded as sent (a crash between the two resends it
    with the same Message-ID, ``<como.handoff-action-<id>@…>``)."""
    payload = action.payload or {}
    contact = (
        Contact.objects.filter(workspace_id=action.workspace_id, pk=int(payload["contact_id"]))
        .select_related("account")
        .first()
    )
    if contact is None:
        return {"skipped": "The contact no longer exists."}
    if (
        contact.lifecycle_stage != LifecycleStage.MQL
        and not Handoff.objects.filter(action=action).exists()
    ):
        return {"skipped": f"The contact is {contact.lifecycle_stage} now, not an MQL."}
    return handoff_start(
        action=action,
        contact=contact,
        rep_id=payload.get("rep_id"),
        route=payload.get("route") or {},
        mql_at=datetime.fromisoformat(payload["mql_at"]),
        sla=timedelta(minutes=playbook_for(action.workspace).handoff_sla_minutes),
        idempotency_key=idempotency_key,
    )


def handoff_start(
    *,
    action: AgentAction,
    contact: Contact,
    rep_id: int | None,
    route: Mapping[str, Any],
    mql_at: datetime,
    sla: timedelta,
    idempotency_key: str,
) -> dict[str, Any]:
    """Hand ``contact`` to the rep ``rep_id`` under ``action`` (one handoff per action): the
    SLA timer starts (escalated by :mod:`.escalation` when it runs out untouched), the rep gets
    an in-app notification and an email. Idempotent, as :func:`handoff_execute` says; also the
    account play's handoff part (``verticals.b2b.abm``)."""
    now = timezone.now()
    with transaction.atomic():
        handoff = Handoff.objects.select_for_update().filter(action=action).first()
        if handoff is None:
            rep = users_by_id([rep_id]).get(rep_id) if rep_id else None
            if rep is None:
                raise ValueError("The rep chosen for this handoff no longer exists.")
            territory_id = route.get("territory_id")
            if territory_id and not Territory.objects.filter(pk=territory_id).exists():
                territory_id = None
            handoff = Handoff.objects.create(
                workspace_id=action.workspace_id,
                contact=contact,
                action=action,
                territory_id=territory_id,
                route=route.get("via", ""),
                rep=rep,
                mql_at=mql_at,
                handed_at=now,
                sla_due_at=now + sla,
                assigned_at=now,
                due_at=now + sla,
            )
        first_rep_id = rep_id
        notified = False
        if (
            first_rep_id
            and not Notification.objects.filter(action=action, user_id=first_rep_id).exists()
        ):
            # One per action and user (a unique constraint): a second run creates none.
            Notification.objects.bulk_create(
                [
                    Notification(
                        workspace_id=action.workspace_id,
                        user_id=first_rep_id,
                        action=action,
                        title=handoff_subject(contact),
                        body=action.rationale,
                        link=handoff_link(handoff),
                    )
                ],
                ignore_conflicts=True,
            )
            notified = True
    result: dict[str, Any] = {
        "handoff_id": handoff.pk,
        "rep_id": first_rep_id,
        "due_at": handoff.sla_due_at.isoformat(),
        "notification": "created" if notified else "exists",
    }
    result["email"] = _email_first_rep(action, handoff, contact, first_rep_id, idempotency_key)
    return result


def _email_first_rep(
    action: AgentAction, handoff: Handoff, contact: Contact, rep_id: int | None, key: str
) -> dict[str, Any]:
    if handoff.emailed_at is not None:
        return {"status": "sent before", "message_id": handoff.email_message_id}
    rep = users_by_id([rep_id]).get(rep_id) if rep_id else None
    if rep is None or not rep.email:
        return {"status": "no address"}
    sla_minutes = int((handoff.sla_due_at - handoff.handed_at).total_seconds() // 60)
    link = handoff_link(handoff)
    email = handoff_email(
        contact, action.payload, rep, sla_minutes, link, key=f"handoff-action-{key}"
    )
    try:
        message_id = handoff_email_send(email)  # TransientError propagates: the action is retried
    except EmailRejected as error:
        return {"status": "rejected", "to": email.to, "error": str(error)}
    Handoff.objects.filter(pk=handoff.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now(), email_message_id=message_id
    )
    return {"status": "sent", "to": email.to, "message_id": message_id}
