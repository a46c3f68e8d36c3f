"""What the sequence tests share: a workspace with an approver, consenting contacts, and a
sequence approved through the real proposal, approval and execution path."""

from __future__ import annotations

from typing import Any

from como.agents.execution import action_execute
from como.agents.services import action_approve
from como.leads.models import Contact
from como.sequences.models import Sequence, SequenceVersion
from como.sequences.versions import sequence_create, sequence_version_propose
from como.workspaces.models import Workspace
from tests.como.channels.email_support import POSTAL, consenting_contact
from tests.factories import MembershipFactory, UserFactory


def approver(workspace: Workspace, name: str = "ava") -> Any:
    user = UserFactory.create(username=f"{name}-{workspace.slug}")
    MembershipFactory.create(workspace=workspace, user=user, role="approver")
    return user


def people(workspace: Workspace, count: int) -> list[Contact]:
    workspace.postal_address = POSTAL
    workspace.save(update_fields=["postal_address"])
    return [
        consenting_contact(workspace, f"p{n}@example.com", first_name=f"P{n}") for n in range(count)
    ]


def program(*steps: dict[str, Any], trigger: dict[str, Any] | None = None, **extra: Any) -> dict:
    return {"trigger": trigger or {"on": "manual"}, "steps": list(steps), **extra}


def email(step_id: str, body: str = "Hi {{ contact.first_name }}", **extra: Any) -> dict:
    return {
        "id": step_id,
        "type": "send",
        "channel": "email",
        "subject": f"About {step_id}",
        "body": body,
        **extra,
    }


def approve(version: SequenceVersion, proposer: Any, by: Any) -> SequenceVersion:
    action = sequence_version_propose(version=version, proposer=proposer)
    action_approve(action=action, user=by)
    assert action_execute(action.pk).status == "succeeded"
    version.refresh_from_db()
    return version


def approved_sequence(
    workspace: Workspace, data: dict, *, key: str = "welcome", **extra: Any
) -> tuple[Sequence, SequenceVersion]:
    version = sequence_create(workspace=workspace, key=key, name=key.title(), program=data, **extra)
    version = approve(version, approver(workspace, f"p-{key}"), approver(workspace, f"a-{key}"))
    return version.sequence, version
