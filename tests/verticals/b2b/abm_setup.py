"""Building blocks of the ABM tests: a committee of seven at acme.com, three of them engaged,
an owner who takes handoffs, a sequence per engaged role, a LinkedIn segment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from como.agents.models import AgentAction
from como.ingest.services import events_ingest
from como.leads.models import Account, Contact
from como.leads.services import contact_create
from como.workspaces.models import Workspace
from tests.como.agents.handoff_setup import person
from tests.como.sequences.support import approved_sequence, email, program
from verticals.b2b.abm.presenter import play_preview

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


def play_row(workspace: Workspace, tag: str = "acme") -> AgentAction:
    """A waiting account play with all three parts, written directly (the tenancy and
    generated-JSON tests need a row; the ABM tests propose theirs)."""
    payload = {
        "account_id": 0,
        "account": {"name": f"{tag} buyer", "domain": f"{tag}-buyer.example"},
        "reason": "surge",
        "changed": {"topic": f"{tag} topic", "score": 70},
        "at": "2026-01-01T10:00:00+00:00",
        "committee": {
            "required": 7,
            "covered": 0,
            "covered_roles": [],
            "missing_roles": list(MISSING),
            "missing_labels": list(MISSING),
        },
        "parts": ["handoff", "sequence", "audience"],
        "handoff": {
            "contact_id": 0,
            "rep_id": 0,
            "route": {"via": "account_owner", "territory_id": None, "territory": ""},
            "sla_hours": 24,
        },
        "sequence": {"enrolments": [], "unmapped_roles": []},
        "audience": {
            "kind": "companies",
            "segment": SEGMENT,
            "roles": list(MISSING),
            "companies": [{"name": f"{tag} buyer", "domain": f"{tag}-buyer.example"}],
        },
        "left_out": [],
        "parts_left_out": [],
    }
    return AgentAction.objects.create(
        workspace=workspace,
        agent="abm",
        kind="account_play",
        idempotency_key=f"{tag}-account-play-1",
        rationale=f"{tag} started surging",
        preview=play_preview(payload),
        target_type="account",
        target_id="0",
        payload=payload,
        proposed_by=workspace.agent_user,
    )
