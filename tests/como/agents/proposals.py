"""Helpers of the approval-workflow tests: people with roles, and proposals by the agent."""

from __future__ import annotations

from typing import Any

from como.agents.models import AgentAction
from como.agents.services import ActionDraft, action_propose
from como.workspaces.models import Workspace
from tests.factories import MembershipFactory, UserFactory

BLOCK = {
    "rule": "ca_11713_1_b",
    "severity": "block",
    "message": "The advertised price leaves out the dealer's documentation fee.",
    "citation": "CA Veh. Code 11713.1(b)",
    "fix_hint": "Include every mandatory dealer charge except taxes and government fees.",
}
WARN = {
    "rule": "tcpa_quiet_hours",
    "severity": "warn",
    "message": "Some recipients are close to 21:00 local time.",
    "citation": "47 U.S.C. 227",
    "fix_hint": "Schedule after 08:00 tomorrow.",
}


def person(workspace: Workspace, role: str, name: str) -> Any:
    """A new staff user holding ``role`` in ``workspace`` (each name is a different person)."""
    user = UserFactory.create(username=f"{name}-{workspace.slug}")
    MembershipFactory.create(workspace=workspace, user=user, role=role)
    return user


def propose(workspace: Workspace, key: str = "launch-1", **fields: Any) -> AgentAction:
    """A proposal by the workspace's agent identity (defaults: an email launch, no findings)."""
    values: dict[str, Any] = {
        "agent": "test_agent",
        "kind": "test_email",
        "channel": "email",
        "rationale": "Twelve contacts asked for the spring price list.",
        "preview": "Subject: Spring prices\n\nHello <b>Ana</b>,",
        "target_type": "campaign",
        "target_id": 7,
        **fields,
    }
    proposer = values.pop("proposer", workspace.agent_user)
    draft = ActionDraft(idempotency_key=key, **values)
    return action_propose(workspace=workspace, proposer=proposer, draft=draft).action
