"""Accounts found from people: the registrable domain of a work email links the contact to its
workspace's account, in the ingest transaction and the contact services; free mail never does;
an explicit account wins; merges keep the link; the playbook decides whether accounts are made.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from como.ingest.services import events_ingest
from como.leads.models import Account, Contact
from como.leads.services import contact_create, contact_update
from como.workspaces.models import Workspace
from tests.factories import AccountFactory, WorkspaceFactory
from verticals.b2b.accounts.domains import company_domain, registrable_domain

from .helpers import page_view, set_accounts

pytestmark = pytest.mark.django_db

AT = "2026-11-20T10:00:00Z"


@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("ana@acme.com", "acme.com"),
        ("ana@eu.mail.acme.co.uk", "acme.co.uk"),
        ("ana@bigco.com.au", "bigco.com.au"),
        ("ana@research.uni.ac.jp", "uni.ac.jp"),
        ("ana@acme.example", "acme.example"),  # an unknown suffix: the PSL's "*" rule
        ("ana@sub.acme.example", "acme.example"),
        ("ana@gmail.com", ""),
        ("ana@yahoo.co.uk", ""),
        ("ana@mail.yahoo.co.uk", ""),
        ("ana@outlook.com", ""),
        ("ana@example.com", ""),  # RFC 2606's placeholders are nobody's company
        ("ana@bench.example.org", ""),
        ("ana@co.uk", ""),  # a public suffix is no company
        ("ana@[127.0.0.1]", ""),
        ("not-an-address", ""),
    ],
)
def test_company_domain(email: str, domain: str) -> None:
    assert company_domain(email) == domain


def test_the_suffix_list_is_the_bundled_one_and_never_fetched() -> None:
    from verticals.b2b.accounts import domains

    assert domains._EXTRACT.suffix_list_urls == ()
    assert registrable_domain("a.b.example.co.uk") == "example.co.uk"


def test_ingest_links_new_people_to_their_domains_account_creating_it(
    workspace: Workspace,
) -> None:
    existing = AccountFactory.create(workspace=workspace, domain="acme.com", name="Acme")
    results = events_ingest(
        workspace=workspace,
        events=[
            page_view("e1", "ana@acme.com", AT),
            page_view("e2", "bo@eng.acme.com", AT),
            page_view("e3", "cy@globex.io", AT),
            page_view("e4", "di@gmail.com", AT),
        ],
    )
    assert [r.status for r in results] == ["created"] * 4
    by_email = {c.email: c.account for c in Contact.objects.filter(workspace=workspace)}
    assert by_email["ana@acme.com"] == existing
    assert by_email["bo@eng.acme.com"] == existing
    globex = Account.objects.get(workspace=workspace, domain="globex.io")
    assert by_email["cy@globex.io"] == globex
    assert by_email["di@gmail.com"] is None
    assert Account.objects.filter(workspace=workspace).count() == 2


def test_the_account_is_linked_before_the_contact_is_scored(workspace: Workspace) -> None:
    # The default B2B model gives fit for an account in a target industry: the score sees it.
    AccountFactory.create(workspace=workspace, domain="acme.com", industry="Software")
    events_ingest(workspace=workspace, events=[page_view("e1", "ana@acme.com", AT)])
    contact = Contact.objects.get(email="ana@acme.com")
    bare = events_ingest(workspace=workspace, events=[page_view("e2", "bo@other.com", AT)])
    assert bare[0].status == "created"
    other = Contact.objects.get(email="bo@other.com")
    assert (
        contact.score.score_fit - other.score.score_fit == 10
    )  # "target_industry", read from the account


def test_without_create_only_existing_accounts_are_linked(workspace: Workspace) -> None:
    set_accounts(workspace, create_from_email=False)
    acme = AccountFactory.create(workspace=workspace, domain="acme.com")
    events_ingest(
        workspace=workspace,
        events=[page_view("e1", "ana@acme.com", AT), page_view("e2", "cy@globex.io", AT)],
    )
    assert Contact.objects.get(email="ana@acme.com").account == acme
    assert Contact.objects.get(email="cy@globex.io").account is None
    assert not Account.objects.filter(domain="globex.io").exists()


def test_an_explicit_account_wins(workspace: Workspace) -> None:
    chosen = AccountFactory.create(workspace=workspace, domain="holding.com")
    AccountFactory.create(workspace=workspace, domain="acme.com")
    contact = contact_create(workspace=workspace, email="ana@acme.com", account=chosen)
    assert contact.account == chosen
    # ... and a new address does not move a contact that has an account.
    contact = contact_update(contact=contact, email="ana@globex.io")
    assert contact.account == chosen
    events_ingest(workspace=workspace, events=[page_view("e1", "ana@globex.io", AT)])
    contact.refresh_from_db()
    assert contact.account == chosen


def test_the_contact_services_link_a_new_or_re_addressed_contact(workspace: Workspace) -> None:
    contact = contact_create(workspace=workspace, email="ana@gmail.com")
    assert contact.account is None
    contact = contact_update(contact=contact, email="ana@acme.com")
    assert contact.account is not None
    assert contact.account.domain == "acme.com"


def test_other_verticals_are_left_alone(other_workspace: Workspace) -> None:
    events_ingest(workspace=other_workspace, events=[page_view("e1", "ana@acme.com", AT)])
    assert Contact.objects.get(workspace=other_workspace).account is None
    assert not Account.objects.filter(workspace=other_workspace).exists()


def test_accounts_are_per_workspace(workspace: Workspace) -> None:
    second = WorkspaceFactory.create(slug="second", vertical="b2b")
    events_ingest(workspace=workspace, events=[page_view("e1", "ana@acme.com", AT)])
    events_ingest(workspace=second, events=[page_view("e1", "ana@acme.com", AT)])
    mine = Contact.objects.get(workspace=workspace).account
    theirs = Contact.objects.get(workspace=second).account
    assert mine is not None
    assert theirs is not None
    assert mine.pk != theirs.pk
    assert (mine.workspace_id, theirs.workspace_id) == (workspace.pk, second.pk)


def test_a_merge_keeps_the_company_link(workspace: Workspace) -> None:
    # A visitor de-anonymised to a company (an account set on the anonymous contact), who then
    # identifies with a free-mail address: the identified contact keeps the company.
    events_ingest(
        workspace=workspace,
        events=[{**page_view("e1", "", AT), "contact": {"anonymous_id": "cookie-1"}}],
    )
    visitor = Contact.objects.get(workspace=workspace)
    acme = AccountFactory.create(workspace=workspace, domain="acme.com")
    contact_update(contact=visitor, account=acme)
    known = contact_create(workspace=workspace, email="ana@gmail.com")
    assert known.account is None
    events_ingest(
        workspace=workspace,
        events=[
            {
                **page_view("e2", "ana@gmail.com", AT),
                "contact": {"email": "ana@gmail.com", "anonymous_id": "cookie-1"},
            }
        ],
    )
    assert not Contact.objects.filter(pk=visitor.pk).exists()  # merged away
    known.refresh_from_db()
    assert known.account == acme


def test_a_merge_never_overwrites_the_survivors_own_account(workspace: Workspace) -> None:
    events_ingest(
        workspace=workspace,
        events=[{**page_view("e1", "", AT), "contact": {"anonymous_id": "cookie-1"}}],
    )
    visitor = Contact.objects.get(workspace=workspace)
    contact_update(contact=visitor, account=AccountFactory.create(workspace=workspace))
    known = contact_create(workspace=workspace, email="ana@acme.com")
    own = known.account
    assert own is not None
    events_ingest(
        workspace=workspace,
        events=[
            {
                **page_view("e2", "ana@acme.com", AT),
                "contact": {"email": "ana@acme.com", "anonymous_id": "cookie-1"},
            }
        ],
    )
    known.refresh_from_db()
    assert known.account == own


def test_the_setting_is_validated(workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as raised:
        set_accounts(workspace, create_from_email="sometimes")
    assert "accounts" in raised.value.message_dict
    with pytest.raises(ValidationError):
        set_accounts(workspace, roles=[{"key": "x", "label": "X"}, {"key": "x", "label": "Y"}])
    with pytest.raises(ValidationError):
        set_accounts(workspace, engagement={"window_days": 0})
