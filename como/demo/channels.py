"""The demo's consent ledger and a first campaign whose sends wait in the approval queue.

Consent is given to the seeded people deterministically (by a hash of their address), so a
second seeding finds the same ledger: most agreed to email on a web form, some only by an
inquiry (CASL-style implied consent, 6 months), a few unsubscribed; most of those with a phone
agreed in writing to marketing texts, one in ten later texted STOP. The campaign's proposals
then show the compliance gate at work: sends to people who agreed, and one text to somebody
who never did, which the report blocks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from como.agents.models import AgentAction
from como.agents.services import ActionDraft, action_propose
from como.campaigns.models import Campaign, CampaignStatus
from como.consent.models import ConsentRecord
from como.consent.selectors import suppressed_channels
from como.consent.services import consent_grant, consent_revoke
from como.consent.state import Basis, Channel
from como.leads.models import Contact
from como.workspaces.models import Workspace

EMAIL_WORDING = "Yes, email me offers and news from {name}. I can unsubscribe at any time."
SMS_WORDING = (
    "By checking this box I agree to receive recurring marketing texts from {name} at the number "
    "provided, sent by automated means. Consent is not a condition of purchase. Msg & data "
    "rates may apply. Reply STOP to cancel, HELP for help."
)


@dataclass(frozen=True)
class CampaignCopy:
    name: str
    subject: str
    email: str
    sms: str


COPY = {
    "automotive": CampaignCopy(
        name="Winter service special",
        subject="Winter-ready in an hour, {{ contact.first_name }}",
        email=(
            "Hi {{ contact.first_name }},\n\nCold mornings are coming. Book a winter check at "
            "{{ sender.name }}: battery, tyres, wipers and fluids, $49.95 plus tax.\n\n"
            "Book online: https://lakeside-auto.example/service"
        ),
        sms=(
            "{{ sender.name }}: Hi {{ contact.first_name }}, winter check $49.95 + tax this "
            "month. Book: https://lakeside-auto.example/service Reply STOP to opt out."
        ),
    ),
    "b2b": CampaignCopy(
        name="Q4 zero-trust webinar",
        subject="Zero trust in 30 minutes: live demo on Thursday",
        email=(
            "Hi {{ contact.first_name }},\n\nOur security architects walk through a zero-trust "
            "rollout on {{ sender.name }}, live, with your questions answered.\n\n"
            "Save a seat: https://northwind-cloud.example/webinars/zero-trust"
        ),
        sms=(
            "{{ sender.name }}: {{ contact.first_name }}, the zero-trust webinar starts Thursday "
            "10:00 ET. https://northwind-cloud.example/w Reply STOP to opt out."
        ),
    ),
}


def consent_bucket(address: str) -> int:
    return int(hashlib.sha256(address.encode()).hexdigest(), 16) % 10


@transaction.atomic
def consent_ensure(workspace: Workspace, *, now: datetime) -> int:
    """Give the workspace's people their consent history, once; returns the entries written."""
    written = 0
    seen = set(
        ConsentRecord.objects.for_workspace(workspace.pk).values_list("contact_id", flat=True)
    )
    contacts = Contact.objects.for_workspace(workspace.pk).exclude(email="").order_by("pk")
    for contact in contacts:
        if contact.pk in seen:
            continue
        bucket = consent_bucket(contact.email)
        given = now - timedelta(days=30 + 7 * bucket)
        common = {"contact": contact, "jurisdiction": contact.country or workspace.country}
        if bucket < 6 or bucket == 9:
            consent_grant(
                channel=Channel.EMAIL,
                basis=Basis.EXPRESS,
                source="web_form",
                wording=EMAIL_WORDING.format(name=workspace.name),
                ip=f"198.51.100.{10 + bucket}",
                at=given,
                **common,
            )
            written += 1
        elif bucket in (6, 7):
            consent_grant(
                channel=Channel.EMAIL,
                basis=Basis.IMPLIED_INQUIRY,
                source="price_inquiry",
                at=given,
                **common,
            )
            written += 1
        if bucket == 9:
            consent_revoke(
                contact=contact,
                channel=Channel.EMAIL,
                source="unsubscribe_link",
                at=given + timedelta(days=10),
            )
            written += 1
        if contact.phone and bucket < 5:
            consent_grant(
                channel=Channel.SMS,
                basis=Basis.EXPRESS_WRITTEN,
                source="web_form",
                wording=SMS_WORDING.format(name=workspace.name),
                ip=f"198.51.100.{10 + bucket}",
                at=given,
                **common,
            )
            written += 1
            if bucket == 4:
                consent_revoke(
                    contact=contact,
                    channel=Channel.SMS,
                    source="sms_keyword",
                    reason="stop",
                    wording="STOP",
                    at=given + timedelta(days=3),
                )
                written += 1
    return written


def campaign_ensure(workspace: Workspace) -> int:
    """The vertical's first campaign and its proposed sends; returns the proposals made now."""
    copy = COPY.get(workspace.vertical)
    if copy is None:
        return 0
    campaign, _ = Campaign.objects.get_or_create(
        workspace=workspace,
        name=copy.name,
        defaults={"status": CampaignStatus.ACTIVE, "channels": ["email", "sms"]},
    )
    if AgentAction.objects.filter(workspace=workspace, agent="demo_campaign").exists():
        # Proposed once: the demo's later parts add people and suppressions, and choosing
        # again would propose to others.
        return 0
    contacts = list(
        Contact.objects.for_workspace(workspace.pk).exclude(email="").order_by("pk")[:200]
    )
    # The demo's fictional numbers repeat (555-01xx), and a STOP suppresses the number for
    # everyone who shares it: the "agreed" sends go to addresses nobody suppressed.
    suppressed = suppressed_channels(
        workspace_id=workspace.pk, addresses={c.pk: (c.email, c.phone) for c in contacts}
    )
    clear = [c for c in contacts if not suppressed[c.pk]]
    emailed = [c for c in clear if consent_bucket(c.email) < 6][:3]
    texted = [c for c in clear if c.phone and consent_bucket(c.email) < 4][:2]
    never_agreed = [c for c in contacts if c.phone and 5 <= consent_bucket(c.email) < 9][:1]
    sends = [(c, "email_send") for c in emailed] + [
        (c, "sms_send") for c in [*texted, *never_agreed]
    ]
    # Proposed once: seeding again must not revise them (that would withdraw approvals).
    known = set(
        AgentAction.objects.filter(
            workspace=workspace,
            idempotency_key__in=[_key(campaign, kind, contact) for contact, kind in sends],
        ).values_list("idempotency_key", flat=True)
    )
    made = 0
    for contact, kind in sends:
        if _key(campaign, kind, contact) not in known:
            made += _propose(workspace, campaign, contact, kind, copy)
    return made


def _key(campaign: Campaign, kind: str, contact: Contact) -> str:
    return f"demo:{campaign.pk}:{kind}:{contact.pk}"


def _propose(
    workspace: Workspace, campaign: Campaign, contact: Contact, kind: str, copy: CampaignCopy
) -> int:
    payload: dict[str, object] = {"contact_id": contact.pk, "campaign_id": campaign.pk}
    if kind == "email_send":
        payload |= {"subject": copy.subject, "body": copy.email}
    else:
        payload |= {"body": copy.sms}
    proposed = action_propose(
        workspace=workspace,
        proposer=workspace.agent_user,
        draft=ActionDraft(
            agent="demo_campaign",
            kind=kind,
            idempotency_key=_key(campaign, kind, contact),
            rationale=(
                f"Demo: the '{campaign.name}' campaign, to {contact.first_name} "
                f"{contact.last_name} by {kind.removesuffix('_send')}."
            ),
            payload=payload,
        ),
    )
    return int(proposed.outcome == "created")
