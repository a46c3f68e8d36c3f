"""Building blocks of the MQL handoff tests: sales people, territories, MQL moves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from como.agents.execution import action_execute
from como.agents.models import ActionStatus, AgentAction, Handoff, Playbook, Territory, TerritoryRep
from como.agents.services import playbook_for
from como.leads.models import Contact, LifecycleStage, LifecycleTransition
from como.leads.services import contact_stage_change
from como.workspaces.models import Workspace
from como.workspaces.services import membership_add
from tests.factories import ContactFactory, UserFactory

MQL_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def person(workspace: Workspace, name: str, role: str = "sales") -> Any:
    """A member holding ``role`` in ``workspace``, with an address of their own."""
    user = UserFactory.create(
        username=f"{name}-{workspace.slug}", email=f"{name}@{workspace.slug}.sales.example"
    )
    membership_add(workspace=workspace, user=user, role=role)
    return user


def territory(
    workspace: Workspace,
    name: str,
    reps: Sequence[Any] = (),
    manager: Any = None,
    **criteria: Any,
) -> Territory:
    made = Territory.objects.create(workspace=workspace, name=name, manager=manager, **criteria)
    for position, rep in enumerate(reps):
        TerritoryRep.objects.create(territory=made, user=rep, position=position)
    return made


def policy(workspace: Workspace, **fields: Any) -> Playbook:
    playbook = playbook_for(workspace)
    # The workspace's choices, written without the service (no schedule sync).
    Playbook.objects.filter(pk=playbook.pk).update(overrides={**playbook.overrides, **fields})
    playbook.refresh_from_db()
    return playbook


def contacts(workspace: Workspace, count: int, **fields: Any) -> list[Contact]:
    made = [
        ContactFactory.create(workspace=workspace, lifecycle_stage="lead", **fields)
        for _ in range(count)
    ]
    return sorted(made, key=lambda contact: contact.pk)


def promote(
    workspace: Workspace, people: Sequence[Contact], at: datetime = MQL_AT
) -> list[LifecycleTransition]:
    """Move them to MQL the way scoring does (the stage-changed reaction proposes)."""
    return contact_stage_change(
        workspace=workspace,
        contact_ids=[contact.pk for contact in people],
        to_stage=LifecycleStage.MQL,
        from_stages=[LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD],
        reason="Score met the MQL threshold (test).",
        at=at,
    )


def handoff_actions(workspace: Workspace) -> list[AgentAction]:
    return list(AgentAction.objects.filter(workspace=workspace, kind="mql_handoff").order_by("pk"))


def rep_of(action: AgentAction) -> int | None:
    rep_id = action.payload["rep_id"]
    return None if rep_id is None else int(rep_id)


def make_team(workspace: Workspace) -> dict[str, Any]:
    """Reps ana, ben, cy in turn and their manager max in one default territory; handoffs
    auto-approved, a 5-minute SLA."""
    reps = [person(workspace, name) for name in ("ana", "ben", "cy")]
    boss = person(workspace, "max")
    territory(workspace, "Everyone", reps, manager=boss, is_default=True)
    policy(workspace, auto_approve_kinds=["mql_handoff"], handoff_sla_minutes=5)
    return {"workspace": workspace, "reps": reps, "manager": boss}


def handed(team: dict[str, Any]) -> Handoff:
    """One MQL, proposed, auto-approved and executed: its handoff."""
    workspace = team["workspace"]
    promote(workspace, contacts(workspace, 1, first_name="Dana", last_name="Reyes"))
    (action,) = handoff_actions(workspace)
    assert action_execute(action.pk).status == ActionStatus.SUCCEEDED
    return Handoff.objects.get(action=action)
