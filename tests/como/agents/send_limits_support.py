"""What the frequency-cap and send-window tests share: a playbook with limits, texts already in
the message log, and ``sms_send`` actions approved for the real SMS adapter (sandbox transport:
what it sends is logged and recorded, nothing leaves the machine)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from como.agents.models import ActionStatus, AgentAction
from como.agents.services import playbook_for
from como.channels.models import Direction, Message, MessagePurpose, MessageStatus
from como.leads.models import Contact
from como.workspaces.models import Workspace

from .proposals import propose

SMS_BODY = "Hi {{ contact.first_name }}, your service is due. Reply STOP to opt out."


def limit(workspace: Workspace, **settings: Any) -> None:
    """Make ``settings`` the workspace's own, and auto-approve texts."""
    playbook = playbook_for(workspace)
    playbook.auto_approve_kinds = ["sms_send"]
    for name, value in settings.items():
        setattr(playbook, name, value)
    playbook.save()


def logged(
    contact: Contact,
    sent_at: datetime,
    key: str,
    *,
    purpose: str = MessagePurpose.MARKETING,
    channel: str = "sms",
    **fields: Any,
) -> Message:
    """A text already in the log, as a campaign, a sequence or a reply left it."""
    return Message.objects.create(
        workspace_id=contact.workspace_id,
        channel=channel,
        direction=Direction.OUTBOUND,
        purpose=purpose,
        contact=contact,
        idempotency_key=key,
        to=contact.phone,
        status=MessageStatus.SENT,
        sent_at=sent_at,
        **fields,
    )


def text_to(contact: Contact, key: str, **fields: Any) -> AgentAction:
    """An approved ``sms_send`` to ``contact``."""
    action = propose(
        contact.workspace,
        key=key,
        kind="sms_send",
        channel="sms",
        target_type="contact",
        target_id=contact.pk,
        payload={"contact_id": contact.pk, "body": SMS_BODY},
        **fields,
    )
    assert action.status == ActionStatus.APPROVED, action.findings
    return action


def texts_sent(contact: Contact) -> list[int | None]:
    """The actions whose marketing texts went to ``contact``, oldest first."""
    return list(
        Message.objects.filter(
            contact=contact, purpose=MessagePurpose.MARKETING, action_id__isnull=False
        )
        .order_by("sent_at")
        .values_list("action_id", flat=True)
    )
