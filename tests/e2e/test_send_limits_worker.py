"""The frequency cap through a real Celery worker, the Redis broker and an SMTP server: two
campaigns' emails to one person under a cap of one per seven days; the worker sends one, and
the gate right before the second send defers it to the instant the first leaves the window.

Email rather than a text so the real clock never meets TCPA quiet hours. The race between two
workers for the last slot is ``tests/como/agents/test_send_limits_race.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from como.agents.models import ActionStatus, ActionTransition, AgentAction
from como.agents.services import ActionDraft, action_approve, action_propose, playbook_for
from como.channels.models import Message
from como.workspaces.models import Workspace
from tests.factories import WorkspaceFactory

from .test_channel_worker import (  # noqa: F401 (fixtures)
    Worker,
    approver_of,
    consenting_contact,
    smtp,
    smtp_port,
    worker,
)

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]


def offer(workspace: Workspace, approver: Any, contact_id: int, campaign_id: int) -> AgentAction:
    proposed = action_propose(
        workspace=workspace,
        proposer=workspace.agent_user,
        draft=ActionDraft(
            agent="e2e",
            kind="email_send",
            idempotency_key=f"offer-{campaign_id}",
            rationale="The contact asked for offers.",
            payload={
                "contact_id": contact_id,
                "subject": f"Offer {campaign_id} for {{{{ contact.first_name }}}}",
                "body": "Hi {{ contact.first_name }},\n\nThis month's offer.\n",
                "campaign_id": campaign_id,
            },
        ),
    ).action
    assert proposed.blocking_findings == [], proposed.findings
    return action_approve(action=proposed, user=approver, note="Consent on file.")


def deferred(action: AgentAction) -> bool:
    return ActionTransition.objects.filter(action=action, note__startswith="Deferred").exists()


def test_the_worker_holds_the_cap_across_two_campaigns(
    worker: Worker,  # noqa: F811
    smtp: Any,  # noqa: F811
) -> None:
    workspace = WorkspaceFactory.create(slug="caps-worker", name="Acme")
    workspace.postal_address = "Acme Inc., 1 Main St, Springfield, IL 62701"
    workspace.save()
    playbook = playbook_for(workspace)
    playbook.frequency_caps = [{"channel": "email", "max_messages": 1, "per_days": 7}]
    playbook.save()
    approver = approver_of(workspace)
    address = "kim.capped@example.com"
    contact = consenting_contact(
        workspace, email=address, phone="+13122345699", region="IL", name="Kim"
    )
    worker.start()

    first = offer(workspace, approver, contact.pk, 1)
    worker.wait_for(
        lambda: AgentAction.objects.get(pk=first.pk).status == ActionStatus.SUCCEEDED,
        "the first campaign's email to be sent",
    )
    second = offer(workspace, approver, contact.pk, 2)
    worker.wait_for(lambda: deferred(second), "the second campaign's email to be deferred")

    (sent,) = Message.objects.filter(workspace=workspace, contact=contact)
    assert sent.action_id == first.pk
    assert [m["Subject"] for m in smtp.received() if m["To"] == address] == ["Offer 1 for Kim"]
    second.refresh_from_db()
    assert second.status == ActionStatus.APPROVED, worker.output()
    assert sent.sent_at is not None
    assert second.next_attempt_at == sent.sent_at + timedelta(days=7)
    (cap,) = [f for f in second.findings if f["rule"] == "playbook.frequency_cap"]
    assert (cap["evidence"]["cap"], cap["evidence"]["count"]) == (1, 1)
