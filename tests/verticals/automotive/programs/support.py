"""What the dealer-program tests share: owners, events, and a default program switched on in
the playbook, approved by someone other than its proposer, then run (enrol, advance)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from como.agents.execution import action_execute
from como.agents.models import AgentAction
from como.agents.playbooks import playbook_update
from como.agents.services import action_approve, playbook_for
from como.channels.personalization import message_context, payload_context
from como.creative import render_creative
from como.leads.models import Contact, Event
from como.sequences.enrollment import audience_enrol
from como.sequences.models import Sequence, VersionState
from como.workspaces.models import Workspace
from tests.como.channels.email_support import POSTAL, consenting_contact
from tests.como.sequences.support import approver
from verticals.automotive.dms.models import VehicleOwnership

_events = iter(range(1, 10**9))


def owner(workspace: Workspace, n: int) -> Contact:
    """A person with email consent (the workspace given a postal address, as CAN-SPAM wants)."""
    if not workspace.postal_address:
        workspace.postal_address = POSTAL
        workspace.save(update_fields=["postal_address"])
    return consenting_contact(workspace, f"o{n}@example.com", first_name=f"O{n}")


def ownership(workspace: Workspace, contact: Contact, vin: str, **fields: Any) -> VehicleOwnership:
    values: dict[str, Any] = {"year": 2023, "make": "Toyota", "model": "RAV4", "condition": "new"}
    for name in ("price", "amount_financed", "apr", "miles_per_day"):
        if isinstance(fields.get(name), str):
            fields[name] = Decimal(fields[name])
    return VehicleOwnership.objects.create(
        workspace=workspace, contact=contact, vin=vin, **(values | fields)
    )


def event(
    contact: Contact, type_: str, at: datetime, received: datetime | None = None, **props: Any
) -> Event:
    return Event.objects.create(
        workspace_id=contact.workspace_id,
        contact=contact,
        event_id=f"t-{next(_events)}",
        type=type_,
        properties=props,
        occurred_at=at,
        received_at=received or at + timedelta(seconds=1),
        source="test",
    )


def switch_on(workspace: Workspace, key: str) -> Sequence:
    """The program switched on by one member and its version approved by another."""
    proposer, checker = approver(workspace, "maria"), approver(workspace, "sam")
    playbook_update(playbook=playbook_for(workspace), sequences_enabled=[key], by=proposer)
    sequence = Sequence.objects.get(workspace=workspace, default_key=key)
    version = sequence.versions.get()
    assert version.approving_action_id is not None
    action = AgentAction.objects.get(pk=version.approving_action_id)
    # Every step renders for the samples (with or without a subject) and nothing blocks.
    assert [p.get("error") for p in action.payload["previews"] if p.get("error")] == []
    assert [f for f in action.payload["compliance"] if f["severity"] == "block"] == []
    action_approve(action=action, user=checker)
    assert action_execute(action.pk).status == "succeeded"
    version.refresh_from_db()
    assert version.state == VersionState.APPROVED
    return sequence


def enrol(sequence: Sequence, now: datetime) -> int:
    return audience_enrol(sequence_id=sequence.pk, now=now)


def rendered(action: AgentAction) -> tuple[str, str]:
    """The send's subject and body as the channel renders them (payload context merged)."""
    contact = Contact.objects.get(pk=action.payload["contact_id"])
    context = message_context(
        contact=contact, workspace=contact.workspace, extra=payload_context(action.payload)
    )
    subject = render_creative(action.payload.get("subject", ""), context)
    return subject, render_creative(action.payload["body"], context)
