"""The committee in the admin: the account page's role-by-engagement grid, a person's role
override on the member's page, and the playbook editor's accounts section."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from como.agents.services import playbook_for
from como.leads.models import Account
from como.leads.services import contact_create
from como.workspaces.models import Workspace
from tests.como.agents.test_playbook_editor import editor_url, owner_client, shown
from verticals.b2b.accounts.models import CommitteeMember

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def test_the_account_page_shows_its_committee_grid(workspace: Workspace) -> None:
    contact_create(workspace=workspace, email="cto@acme.com", title="CTO", first_name="Cy")
    contact_create(workspace=workspace, email="da@acme.com", title="Data Analyst")
    account = Account.objects.get(domain="acme.com")
    client, _ = owner_client(workspace)

    page = client.get(reverse("admin:leads_account_change", args=[account.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="committee-grid"' in html
    assert "Coverage: <strong>0/7</strong>" in html
    assert "Missing: Legal &amp; compliance, Procurement, Economic buyer" in html
    assert "Executive sponsor" in html
    assert "Cy" in html
    # The page still saves: the grid posts its (empty) management form like any inline.
    data: dict[str, Any] = {"name": "Acme", "domain": "acme.com", "attributes": "{}"}
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data[f"{prefix}-TOTAL_FORMS"] = str(len(inline.formset.forms))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(inline.formset.forms))
        for n, form in enumerate(inline.formset.forms):
            data[f"{prefix}-{n}-id"] = str(form.instance.pk)
            data[f"{prefix}-{n}-{inline.formset.fk.name}"] = str(account.pk)
    saved = client.post(reverse("admin:leads_account_change", args=[account.pk]), data)
    assert saved.status_code == 302, saved.context and saved.context["adminform"].form.errors


def test_a_person_overrides_a_role_on_the_members_page(workspace: Workspace) -> None:
    contact = contact_create(workspace=workspace, email="da@acme.com", title="Data Analyst")
    member = CommitteeMember.objects.get(contact=contact)
    client, user = owner_client(workspace)
    url = reverse("admin:vertical_b2b_committeemember_change", args=[member.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["adminform"].form.fields["role_choice"].initial == "__automatic__"

    response = client.post(url, {"role_choice": "champion"})

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.role, member.role_source, member.set_by) == ("champion", "manual", user)
    bad = client.post(url, {"role_choice": "kingmaker"})
    assert bad.status_code == 200
    assert "role_choice" in bad.context["adminform"].form.errors
    back = client.post(url, {"role_choice": "__automatic__"})
    assert back.status_code == 302
    member.refresh_from_db()
    assert (member.role, member.role_source) == ("end_user", "inferred")


def test_the_playbook_editor_has_an_accounts_section(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    client, _ = owner_client(workspace)
    page = client.get(editor_url(playbook, "accounts"))
    assert page.status_code == 200
    fields = set(page.context["form"].fields)
    assert {"accounts__create_from_email", "accounts__engagement__min_intent"} <= fields

    data = {**shown(page), "accounts__engagement__window_days": "0"}
    response = client.post(editor_url(playbook, "accounts"), data)
    assert response.status_code == 400
    assert "accounts__engagement__window_days" in response.context["form"].errors

    data = {**shown(page), "accounts__engagement__window_days": "28"}
    response = client.post(editor_url(playbook, "accounts"), data)
    assert response.status_code == 302
    playbook.refresh_from_db()
    assert playbook.accounts["engagement"]["window_days"] == 28
    assert len(playbook.accounts["roles"]) == 7
