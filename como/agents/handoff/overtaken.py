"""Handoffs that a deal overtook: the contact became an opportunity or a customer first.

Sales already has such a contact, so a handoff still waiting for approval is superseded (the
approval queue shows nothing to do for it) and a running SLA timer stops: escalating a lead
that is in an open deal would page the next rep and the manager for nothing. The rep's handoff
itself stays, undecided, with its history.
"""

from __future__ import annotations

from collections.abc import Sequence

from como.leads.models import LifecycleStage, LifecycleTransition
from como.workspaces.models import Workspace

from ..models import ActionStatus, AgentAction, Handoff
from ..services import action_supersede
from .agent import KIND

#: Stages that mean sales has the contact through a deal.
OVERTAKING = frozenset({LifecycleStage.OPPORTUNITY, LifecycleStage.CUSTOMER})
_BECAME: dict[str, str] = {
    LifecycleStage.OPPORTUNITY: "an opportunity",
    LifecycleStage.CUSTOMER: "a customer",
}


def handoffs_overtaken(workspace: Workspace, transitions: Sequence[LifecycleTransition]) -> None:
    """The leads reaction (in the mover's transaction): supersede waiting ``mql_handoff``
    actions of contacts that just reached a deal stage, and stop their handoffs' timers.
    Each action is locked by :func:`action_supersede`; the timers stop in one UPDATE."""
    moved = {t.contact_id: t.to_stage for t in transitions if t.to_stage in OVERTAKING}
    if not moved:
        return
    waiting = AgentAction.objects.filter(
        workspace=workspace,
        kind=KIND,
        status__in=(ActionStatus.PROPOSED, ActionStatus.APPROVED),
        payload__contact_id__in=sorted(moved),
    ).order_by("pk")
    for action in waiting:
        became = _BECAME[moved[int(action.payload["contact_id"])]]
        note = f"The contact became {became} before the handoff: sales has it already."
        action_supersede(action=action, note=note, waiting=True)
    Handoff.objects.filter(
        workspace=workspace,
        contact_id__in=sorted(moved),
        due_at__isnull=False,
        first_touch_at__isnull=True,
        decided_at__isnull=True,
    ).update(due_at=None)
