"""Writes of the MQL handoff outside the agent's own steps: sales' verdicts, and territories.

**Feedback** (:func:`handoff_touch`, :func:`handoff_accept`, :func:`handoff_reject`): the first
touch stops the SLA timer; accepted MQLs become SQLs; rejected ones are recycled, with the
reason kept for the report. **Territories** (:func:`territory_save`): saving one re-routes the
proposals that found nobody, whoever saves it (the admin, the demo seeder).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from como.leads.models import ActorKind as LeadActorKind
from como.leads.models import LifecycleStage
from como.leads.services import contact_stage_change
from como.workspaces.principal import principal_for_user
from como.workspaces.roles import Permission
from como.workspaces.users import User

from ..models import AgentAction, Handoff, HandoffOutcome, RejectReason, Territory, TerritoryRep
from .proposals import handoffs_reroute


@transaction.atomic
def territory_save(*, territory: Territory, reps: Sequence[User] = ()) -> list[AgentAction]:
    """Save ``territory``, add the ``reps`` it does not have yet (after its current ones, in
    order), and re-route the waiting proposals that found nobody: they may find a rep now.

    Returns the re-routed proposals."""
    territory.save()
    have = set(TerritoryRep.objects.filter(territory=territory).values_list("user_id", flat=True))
    last = TerritoryRep.objects.filter(territory=territory).aggregate(last=Max("position"))["last"]
    position = -1 if last is None else last
    for rep in reps:
        if rep.pk in have:
            continue
        position += 1
        TerritoryRep.objects.create(territory=territory, user=rep, position=position)
        have.add(rep.pk)
    return handoffs_reroute(workspace=territory.workspace)


def _handler(user: User | None, handoff: Handoff) -> User:
    """``user``, when they may work handoffs in the handoff's workspace (nobody signed in may
    not)."""
    if user is None or not principal_for_user(user).can(
        Permission.HANDLE_HANDOFF, handoff.workspace_id
    ):
        raise PermissionDenied("You may not work handoffs in this workspace.")
    return user


def _touch(handoff: Handoff, user: User, at: datetime) -> None:
    if handoff.first_touch_at is not None:
        return
    handoff.first_touch_at = at
    handoff.touched_by = user
    if handoff.breached_at is None and at > handoff.sla_due_at:
        handoff.breached_at = handoff.sla_due_at  # late: the breach is recorded all the same


@transaction.atomic
def handoff_touch(*, handoff: Handoff, user: User | None, at: datetime | None = None) -> Handoff:
    """The rep reached out (called, emailed): the SLA timer stops. Only the first counts."""
    person = _handler(user, handoff)
    locked = Handoff.objects.select_for_update().get(pk=handoff.pk)
    if locked.first_touch_at is None:
        _touch(locked, person, at or timezone.now())
        locked.save(update_fields=["first_touch_at", "touched_by", "breached_at", "updated_at"])
    return locked


@transaction.atomic
def handoff_accept(
    *, handoff: Handoff, user: User | None, note: str = "", at: datetime | None = None
) -> Handoff:
    """Sales accepts the MQL: the contact becomes an SQL (recorded as this member's move)."""
    return _decide(handoff, user, HandoffOutcome.ACCEPTED, "", note, at)


@transaction.atomic
def handoff_reject(
    *, handoff: Handoff, user: User | None, reason: str, note: str = "", at: datetime | None = None
) -> Handoff:
    """Sales rejects the MQL with a reason (``other`` needs a note): the contact is recycled."""
    if reason not in RejectReason.values:
        raise ValidationError({"reason": [f"Choose one of: {', '.join(RejectReason.values)}."]})
    if reason == RejectReason.OTHER and not note.strip():
        raise ValidationError({"note": ["Say why the lead is rejected."]})
    return _decide(handoff, user, HandoffOutcome.REJECTED, reason, note, at)


def _decide(
    handoff: Handoff, user: User | None, outcome: str, reason: str, note: str, at: datetime | None
) -> Handoff:
    user = _handler(user, handoff)
    locked = Handoff.objects.select_for_update().select_related("workspace").get(pk=handoff.pk)
    if locked.outcome:
        if locked.outcome == outcome and locked.reason == reason:
            return locked  # the same decision again: nothing changes
        raise ValidationError(f"This handoff was {locked.outcome} already.")
    at = at or timezone.now()
    _touch(locked, user, at)
    locked.outcome = outcome
    locked.reason = reason
    locked.note = note.strip()
    locked.decided_at = at
    locked.decided_by = user
    locked.save()
    if outcome == HandoffOutcome.ACCEPTED:
        to_stage, why = LifecycleStage.SQL, "Accepted by sales"
    else:
        to_stage = LifecycleStage.RECYCLED
        why = f"Rejected by sales: {RejectReason(reason).label}"
    contact_stage_change(
        workspace=locked.workspace,
        contact_ids=[locked.contact_id],
        to_stage=to_stage,
        from_stages=[LifecycleStage.MQL],
        reason=f"{why} (handoff {locked.pk}){': ' + locked.note if locked.note else ''}.",
        actor_kind=LeadActorKind.MEMBER,
        actor_id=user.pk,
        at=at,
    )
    return locked
