"""TCPA quiet hours, end to end: SMS actions executed at frozen instants across time zones and
across both US daylight-saving changes of 2026. Nothing goes out before 08:00 or after 21:00 in
the recipient's local time (20:00 in Florida), taken from their phone number; a deferred action
goes out when its window opens, and not a second earlier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from como.agents.execution import action_execute
from como.agents.models import ActionStatus, AgentAction
from como.agents.services import ActionDraft, action_approve, action_propose
from como.channels.models import Message
from como.consent.services import consent_grant
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# (phone, region, executed at, when it may go: None = at once)
CASES = [
    # Chicago (CST, UTC-6) 20:30: inside 08:00-21:00.
    ("+13122345001", "IL", utc(2026, 1, 15, 2, 30), None),
    # Chicago 21:30: waits for 08:00 CST = 14:00 UTC.
    ("+13122345002", "IL", utc(2026, 1, 15, 3, 30), utc(2026, 1, 15, 14, 0)),
    # Miami 20:30 EST: Florida's window closed at 20:00; 08:00 EST = 13:00 UTC.
    ("+13052345003", "FL", utc(2026, 1, 15, 1, 30), utc(2026, 1, 15, 13, 0)),
    # Miami 19:59 EST: still open.
    ("+13052345004", "FL", utc(2026, 1, 15, 0, 59), None),
    # Los Angeles 07:59 PST: one minute early; 08:00 PST = 16:00 UTC.
    ("+12132345005", "CA", utc(2026, 1, 15, 15, 59), utc(2026, 1, 15, 16, 0)),
    # Honolulu 06:00 HST (UTC-10, no DST): 08:00 HST = 18:00 UTC.
    ("+18082345006", "HI", utc(2026, 1, 15, 16, 0), utc(2026, 1, 15, 18, 0)),
    # Spring forward, New York 2026-03-08: 01:00 EST; 08:00 is EDT by then = 12:00 UTC.
    ("+12122345007", "NY", utc(2026, 3, 8, 6, 0), utc(2026, 3, 8, 12, 0)),
    # Fall back, New York 2026-11-01: 01:30 EDT; 08:00 is EST by then = 13:00 UTC.
    ("+12122345008", "NY", utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 13, 0)),
    # Fall back, Chicago: 20:59 CST on the evening of the change is inside the window.
    ("+13122345009", "IL", utc(2026, 11, 2, 2, 59), None),
]


def propose_sms(workspace: Workspace, approver: Any, phone: str, region: str) -> AgentAction:
    contact = Contact.objects.create(
        workspace=workspace, phone=phone, country="US", region=region, first_name="Ana"
    )
    consent_grant(
        contact=contact,
        channel="sms",
        basis="express_written",
        source="web_form",
        jurisdiction="US",
        wording="I agree to receive marketing texts from como Motors. Reply STOP to opt out.",
        at=utc(2025, 12, 1),
    )
    action = action_propose(
        workspace=workspace,
        proposer=workspace.agent_user,
        draft=ActionDraft(
            agent="quiet_hours",
            kind="sms_send",
            idempotency_key=f"quiet-{phone}",
            rationale="Quiet hours.",
            payload=(
                {
                    "contact_id": contact.pk,
                    "body": f"{workspace.name}: oil change 20% off. Reply STOP to opt out.",
                }
            ),
        ),
    ).action
    action_approve(action=action, user=approver, note="Quiet hours test.")
    return action


def sent(action: AgentAction) -> int:
    return Message.objects.filter(action_id=action.pk, sent_at__isnull=False).count()


@pytest.mark.parametrize(("phone", "region", "at", "opens"), CASES)
def test_no_sms_outside_the_recipients_window_and_the_deferred_go_when_it_opens(
    workspace: Workspace, phone: str, region: str, at: datetime, opens: datetime | None
) -> None:
    approver = UserFactory.create(username="approver-quiet")
    MembershipFactory.create(workspace=workspace, user=approver, role="approver")
    action = propose_sms(workspace, approver, phone, region)

    outcome = action_execute(action.pk, now=lambda: at)
    action.refresh_from_db()

    if opens is None:
        assert (outcome.status, sent(action)) == (ActionStatus.SUCCEEDED, 1)
        return
    assert (outcome.status, action.status, sent(action)) == ("approved", "approved", 0)
    assert action.next_attempt_at == opens
    assert action.attempts == 0
    # A second early: still nothing.
    early = action_execute(action.pk, now=lambda: opens - timedelta(seconds=1))
    assert (early.status, sent(action)) == ("skipped", 0)
    # The window opens: it goes out, once.
    assert action_execute(action.pk, now=lambda: opens).status == ActionStatus.SUCCEEDED
    assert action_execute(action.pk, now=lambda: opens).status == "skipped"
    assert sent(action) == 1
