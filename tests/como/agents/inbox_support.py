"""A dealer with real proposals waiting in the approval inbox: a text, an email with a warning
whose evidence names a phrase of its subject, and the inventory-ads agent's vehicle launches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from como.agents.models import AgentAction
from como.agents.services import ActionDraft, action_propose
from como.workspaces.models import Workspace
from tests.como.channels import email_support, sms_support
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from tests.verticals.automotive.ads.support import ads_setup, car
from tests.verticals.automotive.inventory.factories import rooftop_make
from verticals.automotive.ads.kinds import LAUNCH
from verticals.automotive.ads.proposals import inventory_ads_react
from verticals.automotive.inventory.importing.reactions import InventoryDiff
from verticals.automotive.inventory.models import InventoryImport

PASSWORD = "a-long-inbox-passphrase"
#: The phrase a (proposer's) finding objects to, in the email's subject.
PHRASE = "lowest price in town"
CLAIM = {
    "rule": "test.unsubstantiated_claim",
    "severity": "warn",
    "message": "A superlative price claim needs substantiation.",
    "citation": "FTC Act §5",
    "fix_hint": "Remove the claim or keep the proof on file.",
    "evidence": {"claim": PHRASE},
}


@dataclass
class World:
    dealer: Workspace
    approver: Any  # may approve; proposed nothing
    proposer: Any  # an approver who proposed the email himself
    sms: AgentAction
    email: AgentAction
    launch: AgentAction  # Meta launch of two Hondas at Lakeside Honda
    search_launch: AgentAction


def world() -> World:
    dealer = WorkspaceFactory.create(
        slug="lakeside",
        vertical="automotive",
        name="Lakeside Honda",
        postal_address="Lakeside Honda, 1 Lake St, Chicago, IL 60601",
    )
    ads_setup(dealer)
    approver = UserFactory.create(username="ann", password=PASSWORD)
    MembershipFactory.create(workspace=dealer, user=approver, role="approver")
    proposer = UserFactory.create(username="pat", password=PASSWORD)
    MembershipFactory.create(workspace=dealer, user=proposer, role="approver")

    texted = sms_support.consenting_contact(dealer, first_name="Ana", last_name="Diaz")
    sms = action_propose(
        workspace=dealer,
        proposer=dealer.agent_user,
        draft=ActionDraft(
            agent="service_reminders",
            kind="sms_send",
            channel="sms",
            idempotency_key="sms-1",
            rationale="Ana's Accord is due for service.\nShe asked for reminders by text.",
            payload={
                "contact_id": texted.pk,
                "body": "Hi {{ contact.first_name }}, your "
                "Accord is due for its 50,000-mile service.",
            },
        ),
    ).action
    mailed = email_support.consenting_contact(
        dealer, "bo.lee@example.com", first_name="Bo", last_name="Lee"
    )
    email = action_propose(
        workspace=dealer,
        proposer=proposer,
        draft=ActionDraft(
            agent="",
            kind="email_send",
            channel="email",
            idempotency_key="email-1",
            rationale="Bo looked at three Accords this week.",
            payload={
                "contact_id": mailed.pk,
                "subject": "The " + PHRASE + " on a 2003 Accord",
                "body": "Hi {{ contact.first_name }},\n\nSee https://lakeside.example/v/1 "
                "before it goes.\n",
            },
            findings=[CLAIM],
        ),
    ).action
    rooftop = rooftop_make(dealer)
    cars = [car(rooftop, 1), car(rooftop, 2, year=2004, model="Civic")]
    record = InventoryImport.objects.create(
        workspace=dealer, rooftop=rooftop, full=False, format_key="test"
    )
    inventory_ads_react(
        workspace=dealer,
        diff=InventoryDiff(record.pk, rooftop.pk, created=tuple(c.pk for c in cars)),
    )
    launches = {a.channel: a for a in AgentAction.objects.filter(workspace=dealer, kind=LAUNCH)}
    return World(
        dealer, approver, proposer, sms, email, launches["paid_social"], launches["paid_search"]
    )
