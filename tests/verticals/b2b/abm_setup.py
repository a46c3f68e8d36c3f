"""Building blocks of the ABM tests: a committee of seven at acme.com, three of them engaged,
an owner who takes handoffs, a sequence per engaged role, a LinkedIn segment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from como.ingest.services import events_ingest
from como.leads.models import Account, Contact
from como.leads.services import contact_create
from como.workspaces.models import Workspace
from tests.como.agents.handoff_setup import person
from tests.como.sequences.support import approved_sequence, email, program

from .helpers import page_view, set_accounts

TITLES = {
    "legal_compliance": "General Counsel",
    "procurement": "Procurement Manager",
    "economic_buyer": "VP of Data",
    "executive_sponsor": "CTO",
    "champion": "Director of Data Engineering",
    "technical_evaluator": "Staff Data Engineer",
    "end_user": "Data Analyst",
}
ENGAGED = ("champion", "economic_buyer", "technical_evaluator")
MISSING = ("legal_compliance", "procurement", "executive_sponsor", "end_user")
SEGMENT = "7654321"
SEQUENCES = {
    "champion": "champion-nurture",
    "economic_buyer": "buyer-nurture",
    "technical_evaluator": "evaluator-nurture",
}


@dataclass
class Acme:
    account: Account
    people: dict[str, Contact]
    owner: Any


def play_settings(workspace: Workspace, **play: Any) -> None:
    set_accounts(
        workspace,
        play={
            "sequences": SEQUENCES,
            "linkedin_segment": SEGMENT,
            "sla_hours": 8,
            **play,
        },
    )


def acme(workspace: Workspace, *, engaged_at: datetime | None = None) -> Acme:
    """The committee of seven, three engaged 5 days ago (one pricing view each: 20 points);
    the technical evaluator lives in Germany with no consent on record (GDPR leaves them out)."""
    workspace.postal_address = "1 Main St, Springfield, IL 62701"
    workspace.save(update_fields=["postal_address"])
    owner = person(workspace, "olga")
    people = {
        role: contact_create(
            workspace=workspace,
            email=f"{role}@acme.com",
            title=title,
            first_name=role.title(),
            country="DE" if role == "technical_evaluator" else "US",
        )
        for role, title in TITLES.items()
    }
    account = Account.objects.get(workspace=workspace, domain="acme.com")
    account.owner, account.name = owner, "Acme"
    account.save(update_fields=["owner", "name"])
    at = engaged_at or timezone.now() - timedelta(days=5)
    stamp = at.isoformat().replace("+00:00", "Z")
    events_ingest(
        workspace=workspace,
        events=[page_view(f"e{n}", people[role].email, stamp) for n, role in enumerate(ENGAGED)],
    )
    for key in SEQUENCES.values():
        approved_sequence(workspace, program(email("hello")), key=key)
    play_settings(workspace)
    return Acme(account, people, owner)
