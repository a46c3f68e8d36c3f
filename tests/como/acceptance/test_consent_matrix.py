"""The consent matrix, end to end: {no consent, revoked, other channel only, expired CASL
implied, valid} x {email, sms} x {US, Canada, EU, Florida}.

Each cell is a real contact with a real ledger, and a real proposal of an ``email_send`` or
``sms_send`` action that a person approves and a worker's ``action_execute`` runs through the
channel's adapter, the compliance engine and the gate before execution. A send "happens" when
the adapter recorded an outbound message; the test asserts exactly which cells send and how many.

Where sending is allowed:
- email in the US (and Florida): CAN-SPAM is opt-out, so everything but a revocation sends;
- SMS in the US (and Florida): TCPA needs prior express written consent for that channel;
- Canada (CASL) and the EU (GDPR/ePrivacy): consent on record, unexpired, for that channel.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from como.agents.execution import action_execute
from como.agents.services import ActionDraft, action_approve, action_propose
from como.channels.models import Direction, Message, MessagePurpose
from como.consent.services import consent_grant, consent_revoke
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

STATES = ("none", "revoked", "other_channel", "expired_casl_implied", "valid")
CHANNELS = ("email", "sms")
PLACES: dict[str, dict[str, str]] = {
    # phone prefixes whose numbers are valid and whose time zone is known
    "US": {"country": "US", "region": "IL", "phone": "+1312234", "jurisdiction": "US"},
    "Canada": {"country": "CA", "region": "ON", "phone": "+1416234", "jurisdiction": "CA"},
    "EU": {"country": "DE", "region": "", "phone": "+4930123", "jurisdiction": "EU"},
    "Florida": {"country": "US", "region": "FL", "phone": "+1305234", "jurisdiction": "US-FL"},
}
OTHER = {"email": "sms", "sms": "email"}


def allowed(state: str, channel: str, place: str) -> bool:
    """The rule, written out: what the law allows for this cell."""
    if place in ("US", "Florida") and channel == "email":
        return state != "revoked"
    return state == "valid"


def execution_instant() -> datetime:
    """Tomorrow 16:00 UTC: 10:00 in Chicago, 11:00 in Miami and Toronto, 17:00 in Berlin —
    inside every quiet-hours window, after every ledger entry the test writes."""
    tomorrow = (timezone.now() + timedelta(days=1)).date()
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, 16, tzinfo=UTC)


def seed(workspace: Workspace, state: str, channel: str, place: str, n: int) -> Contact:
    where = PLACES[place]
    contact = Contact.objects.create(
        workspace=workspace,
        email=f"cell{n}@example.org",
        phone=f"{where['phone']}{n:04d}",
        first_name=f"Cell{n}",
        country=where["country"],
        region=where["region"],
    )
    now = timezone.now()
    grant: dict[str, Any] = {
        "contact": contact,
        "source": "web_form",
        "jurisdiction": where["jurisdiction"],
        "wording": "Yes, send me offers by email and text. Msg&data rates may apply.",
        "ip": "203.0.113.7",
    }
    if state == "revoked":
        consent_grant(
            channel=channel, basis="express_written", at=now - timedelta(days=30), **grant
        )
        consent_revoke(contact=contact, channel=channel, source="admin", at=now - timedelta(days=1))
    elif state == "other_channel":
        consent_grant(channel=OTHER[channel], basis="express_written", **grant)
    elif state == "expired_casl_implied":
        # An inquiry 200 days ago: CASL's implied consent lasted 6 months.
        consent_grant(
            channel=channel, basis="implied_inquiry", at=now - timedelta(days=200), **grant
        )
    elif state == "valid":
        consent_grant(
            channel=channel, basis="express_written", at=now - timedelta(days=10), **grant
        )
    return contact


def propose_send(workspace: Workspace, contact: Contact, channel: str) -> Any:
    payload: dict[str, Any] = {"contact_id": contact.pk, "campaign_id": None}
    if channel == "email":
        payload |= {
            "subject": "Your winter service offer",
            "body": "Hello {{ contact.first_name }}, winter tyres are 20% off this month.",
        }
    else:
        payload |= {
            "body": (
                f"{workspace.name}: {{{{ contact.first_name }}}}, winter tyres are 20% off. "
                "Reply STOP to opt out."
            )
        }
    return action_propose(
        workspace=workspace,
        proposer=workspace.agent_user,
        draft=ActionDraft(
            agent="matrix",
            kind=f"{channel}_send",
            idempotency_key=f"matrix-{channel}-{contact.pk}",
            rationale="The consent matrix.",
            payload=payload,
        ),
    ).action


def test_a_send_happens_exactly_where_it_is_allowed(workspace: Workspace) -> None:
    workspace.postal_address = "1 Main Street, Springfield, IL 62701, USA"
    workspace.save()
    approver = UserFactory.create(username="approver-matrix")
    MembershipFactory.create(workspace=workspace, user=approver, role="approver")
    at = execution_instant()

    outcomes: dict[tuple[str, str, str], bool] = {}
    reasons: dict[tuple[str, str, str], list[str]] = {}
    for n, (state, channel, place) in enumerate(itertools.product(STATES, CHANNELS, PLACES)):
        contact = seed(workspace, state, channel, place, n)
        action = propose_send(workspace, contact, channel)
        reasons[(state, channel, place)] = [
            f["rule"] for f in action.findings if f["severity"] == "block"
        ]
        try:
            action_approve(action=action, user=approver, note="Matrix: approved as proposed.")
        except ValidationError:
            outcomes[(state, channel, place)] = False
            continue
        action_execute(action.pk, now=lambda: at)
        outcomes[(state, channel, place)] = Message.objects.filter(
            workspace=workspace,
            contact=contact,
            channel=channel,
            direction=Direction.OUTBOUND,
            purpose=MessagePurpose.MARKETING,
            sent_at__isnull=False,
        ).exists()

    expected = {cell: allowed(*cell) for cell in outcomes}
    wrong = {
        cell: (outcomes[cell], reasons[cell])
        for cell in outcomes
        if outcomes[cell] != expected[cell]
    }
    assert wrong == {}
    assert sum(outcomes.values()) == 14
    assert len(outcomes) == 40
    # Every refusal names the rule that refused it.
    assert all(reasons[cell] for cell, sent in outcomes.items() if not sent)
