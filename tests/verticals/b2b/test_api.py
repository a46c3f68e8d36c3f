"""The committee API: an account's committee, a person's role override, link runs; all
workspace-scoped and answering bad input with field errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from como.ingest.services import events_ingest
from como.leads.models import Account, Contact
from como.leads.services import contact_create
from como.workspaces.models import Workspace
from tests.factories import ContactFactory, member_api_client
from verticals.b2b.accounts.models import AccountLinkRun, CommitteeMember
from verticals.b2b.accounts.runs import link_run_execute

from .helpers import page_view
from .test_committee import TITLES

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def test_the_committee_of_an_account(workspace: Workspace, api: APIClient) -> None:
    people = {
        role: contact_create(workspace=workspace, email=f"{role}@acme.com", title=title)
        for role, title in TITLES.items()
    }
    at = (NOW - timedelta(days=2)).isoformat().replace("+00:00", "Z")
    events_ingest(
        workspace=workspace,
        events=[
            page_view(f"e-{role}", people[role].email, at)
            for role in ("champion", "economic_buyer", "technical_evaluator")
        ],
    )
    account = Account.objects.get(domain="acme.com")

    response = api.get(f"/api/v1/accounts/{account.pk}/committee", {"at": "2026-11-30T12:00:00Z"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["account"] == account.pk
    assert body["coverage"] == {"covered": 3, "required": 7, "ratio": "0.4286"}
    assert body["missing_roles"] == [
        "legal_compliance",
        "procurement",
        "executive_sponsor",
        "end_user",
    ]
    assert [role["key"] for role in body["roles"]] == list(TITLES)
    champion = next(role for role in body["roles"] if role["key"] == "champion")
    assert champion["members"] == champion["engaged"] == [people["champion"].pk]
    assert champion["hs_buying_roles"] == ["CHAMPION"]
    member = next(m for m in body["members"] if m["contact"] == people["champion"].pk)
    assert member["role"] == "champion"
    assert member["role_source"] == "inferred"
    assert member["level"] == "director"
    assert member["engaged"] is True
    assert member["intent"] == pytest.approx(20 * 0.75 ** (2 / 91.3), rel=1e-12)


@pytest.mark.parametrize("at", ["yesterday", "2026-11-30T12:00:00", "0001-01-01T00:00:00+05:00"])
def test_a_bad_instant_is_a_field_error(workspace: Workspace, api: APIClient, at: str) -> None:
    account = Account.objects.create(workspace=workspace, domain="acme.com")
    response = api.get(f"/api/v1/accounts/{account.pk}/committee", {"at": at})
    assert response.status_code == 400
    assert "at" in response.json()


def test_another_workspaces_account_and_contact_are_404(
    workspace: Workspace, other_workspace: Workspace, api: APIClient
) -> None:
    foreign = Account.objects.create(workspace=other_workspace, domain="rival.com")
    theirs = ContactFactory.create(workspace=other_workspace, account=foreign)
    assert api.get(f"/api/v1/accounts/{foreign.pk}/committee").status_code == 404
    response = api.put(
        f"/api/v1/contacts/{theirs.pk}/committee-role", {"role": "champion"}, format="json"
    )
    assert response.status_code == 404


def test_a_person_sets_and_gives_back_a_role(workspace: Workspace) -> None:
    contact = contact_create(workspace=workspace, email="ana@acme.com", title="Data Analyst")
    api = member_api_client(workspace)
    url = f"/api/v1/contacts/{contact.pk}/committee-role"

    response = api.put(url, {"role": "champion"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["role"] == "champion"
    assert response.json()["role_source"] == "manual"
    member = CommitteeMember.objects.get(contact=contact)
    assert member.set_by is not None
    back = api.put(url, {"role": None}, format="json")
    assert (back.json()["role"], back.json()["role_source"]) == ("end_user", "inferred")


@pytest.mark.parametrize(
    ("body", "field"),
    [({"role": "kingmaker"}, "role"), ({}, "role"), ({"role": ["champion"]}, "role")],
)
def test_a_bad_role_is_a_field_error(
    workspace: Workspace, api: APIClient, body: dict[str, object], field: str
) -> None:
    contact = contact_create(workspace=workspace, email="ana@acme.com", title="CTO")
    response = api.put(f"/api/v1/contacts/{contact.pk}/committee-role", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_link_run_links_existing_contacts_with_progress(
    workspace: Workspace, api: APIClient
) -> None:
    # Contacts written before accounts were found from people (no service, no reaction).
    for n in range(5):
        ContactFactory.create(workspace=workspace, email=f"p{n}@acme.com", title="CTO")
    ContactFactory.create(workspace=workspace, email="free@gmail.com")
    ContactFactory.create(workspace=workspace, email="x@globex.io", title="Data Analyst")

    response = api.post("/api/v1/account-link-runs")

    assert response.status_code == 202, response.content
    started = response.json()
    assert (started["status"], started["total"], started["done"]) == ("queued", 7, 0)
    # Asking again while it is unfinished answers the same run.
    assert api.post("/api/v1/account-link-runs").json()["id"] == started["id"]

    outcome = link_run_execute(run_id=started["id"], batch_size=3)

    assert outcome.status == "succeeded"
    progress = api.get(f"/api/v1/account-link-runs/{started['id']}").json()
    assert (progress["done"], progress["total"], progress["percent"]) == (7, 7, 100)
    assert (progress["linked"], progress["accounts_created"]) == (6, 2)
    assert Contact.objects.filter(workspace=workspace, account__isnull=True).count() == 1
    assert CommitteeMember.objects.filter(workspace=workspace).count() == 6
    # A finished run does nothing more.
    assert link_run_execute(run_id=started["id"]).looked_at == 0
    assert AccountLinkRun.objects.get(pk=started["id"]).linked == 6
