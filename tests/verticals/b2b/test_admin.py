"""The committee in the admin: the account page's role-by-engagement grid, a person's role
override on the member's page, and the playbook editor's accounts section."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from como.agents.models import PlaybookVersion
from como.agents.services import playbook_for
from como.leads.models import Account
from como.leads.services import contact_create
from como.workspaces.models import Workspace
from tests.como.agents.test_playbook_editor import editor_url, owner_client, shown
from verticals.b2b.accounts.models import CommitteeMember
from verticals.b2b.accounts.settings import DEFAULT_ROLES

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
    assert "Coverage: <strong data-coverage>0/7</strong>" in html
    assert "Missing: <span data-missing>Legal &amp; compliance, Procurement, Economic buyer" in html
    assert "Executive sponsor" in html
    assert "Cy" in html
    # The page still saves: the grid's override forms sit outside the account's form.
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
    account.refresh_from_db()
    assert account.name == "Acme"


def test_an_automotive_account_page_has_no_committee(other_workspace: Workspace) -> None:
    account = Account.objects.create(workspace=other_workspace, domain="fleet.com", name="Fleet")
    client, _ = owner_client(other_workspace)
    page = client.get(reverse("admin:leads_account_change", args=[account.pk]))
    assert page.status_code == 200
    assert 'id="committee-grid"' not in page.content.decode()


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


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ([], "at least 1 item"),
        ([{"key": "champion", "label": "A"}, {"key": "champion", "label": "B"}], "champion"),
        ([{"key": "champion", "label": "Champion", "weight": "11"}], "0.weight"),
        ([{"key": "champion", "label": "Champion", "weight": "-1"}], "0.weight"),
        ([{"key": "Champion!", "label": "Champion"}], "0.key"),
    ],
    ids=["no-roles", "duplicate-role", "weight-over-10", "weight-negative", "bad-key"],
)
def test_a_bad_committee_shows_field_errors_and_saves_nothing(
    workspace: Workspace, roles: list[dict[str, Any]], message: str
) -> None:
    playbook = playbook_for(workspace)
    client, _ = owner_client(workspace)
    page = client.get(editor_url(playbook, "accounts"))
    before = (playbook.accounts, PlaybookVersion.objects.filter(workspace=workspace).count())

    data = {**shown(page), "accounts__roles": json.dumps(roles)}
    response = client.post(editor_url(playbook, "accounts"), data)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["accounts__roles"]
    assert message in " ".join(errors["accounts__roles"])
    playbook.refresh_from_db()
    assert (
        playbook.accounts,
        PlaybookVersion.objects.filter(workspace=workspace).count(),
    ) == before


def test_committee_roles_weights_and_hubspot_mapping_save_from_the_editor(
    workspace: Workspace,
) -> None:
    playbook = playbook_for(workspace)
    client, _ = owner_client(workspace)
    page = client.get(editor_url(playbook, "accounts"))
    roles = [
        {"key": "champion", "label": "Champion", "weight": "2.5", "hs_buying_roles": ["CHAMPION"]},
        {"key": "it_security", "label": "IT security", "required": False, "weight": "0.5"},
    ]
    data = {
        **shown(page),
        "accounts__roles": json.dumps(roles),
        "accounts__engagement__window_days": "28",
        "accounts__engagement__min_intent": "15",
    }

    response = client.post(editor_url(playbook, "accounts"), data)

    assert response.status_code == 302
    playbook.refresh_from_db()
    saved = playbook.accounts
    assert [(r["key"], r["required"], r["weight"]) for r in saved["roles"]] == [
        ("champion", True, "2.5"),
        ("it_security", False, "0.5"),
    ]
    assert saved["roles"][0]["hs_buying_roles"] == ["CHAMPION"]
    assert saved["engagement"] == {"window_days": 28, "min_intent": 15.0}


def test_the_editor_shows_the_roles_as_rows_and_saves_them(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    client, _ = owner_client(workspace)
    page = client.get(editor_url(playbook, "accounts"))
    html = page.content.decode()
    assert 'data-roles="accounts__roles"' in html
    assert html.count('name="accounts__roles-') > 0
    assert 'name="accounts__roles"' not in html  # no JSON box: rows
    data = {k: v for k, v in shown(page).items() if k != "accounts__roles"}
    rows = {
        # the default champion kept, renamed, weight and HubSpot roles changed
        "accounts__roles-0-key": "champion",
        "accounts__roles-0-label": "Internal champion",
        "accounts__roles-0-required": "on",
        "accounts__roles-0-weight": "2",
        "accounts__roles-0-hs": ["CHAMPION", "INFLUENCER"],
        "accounts__roles-0-infer": '[{"departments": ["data"], "levels": ["director"]}]',
        # removed
        "accounts__roles-1-key": "procurement",
        "accounts__roles-1-label": "Procurement",
        "accounts__roles-1-remove": "on",
        "accounts__roles-1-infer": "[]",
        # a new optional role
        "accounts__roles-2-key": "security",
        "accounts__roles-2-label": "Security review",
        "accounts__roles-2-weight": "0.5",
        "accounts__roles-2-infer": "",
        # blank: ignored
        "accounts__roles-3-key": "",
        "accounts__roles-3-label": "",
        "accounts__roles-3-infer": "[]",
    }

    response = client.post(editor_url(playbook, "accounts"), {**data, **rows})

    assert response.status_code == 302, response.context and response.context["form"].errors
    playbook.refresh_from_db()
    assert [
        (r["key"], r["label"], r["required"], r["weight"], r["hs_buying_roles"])
        for r in playbook.accounts["roles"]
    ] == [
        ("champion", "Internal champion", True, "2", ["CHAMPION", "INFLUENCER"]),
        ("security", "Security review", False, "0.5", []),
    ]

    bad = {**rows, "accounts__roles-2-weight": "12", "accounts__roles-2-key": "champion"}
    response = client.post(editor_url(playbook, "accounts"), {**data, **bad})
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["accounts__roles"])
    assert "champion is repeated" in errors or "1.weight" in errors
    playbook.refresh_from_db()
    assert len(playbook.accounts["roles"]) == 2


def test_the_editor_shows_the_settings_in_effect_and_saves_them_back(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    client, _ = owner_client(workspace)
    page = client.get(editor_url(playbook, "accounts"))
    html = page.content.decode()
    assert html.count('name="accounts__roles-') > 0
    assert 'value="legal_compliance"' in html  # the defaults in effect are shown
    data = {k: v for k, v in shown(page).items() if k != "accounts__roles"}
    for n, role in enumerate(DEFAULT_ROLES):
        dumped = role.model_dump(mode="json")
        data |= {
            f"accounts__roles-{n}-key": dumped["key"],
            f"accounts__roles-{n}-label": dumped["label"],
            f"accounts__roles-{n}-required": "on",
            f"accounts__roles-{n}-weight": dumped["weight"],
            f"accounts__roles-{n}-hs": dumped["hs_buying_roles"],
            f"accounts__roles-{n}-infer": json.dumps(dumped["infer"]),
        }
    data["accounts__engagement__window_days"] = "21"

    response = client.post(editor_url(playbook, "accounts"), data)

    assert response.status_code == 302, response.context and response.context["form"].errors
    playbook.refresh_from_db()
    assert playbook.accounts["engagement"]["window_days"] == 21
    assert [r["key"] for r in playbook.accounts["roles"]] == [r.key for r in DEFAULT_ROLES]


def test_the_editor_edits_the_stage_thresholds_and_level_weights(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    client, _ = owner_client(workspace)
    page = client.get(editor_url(playbook, "accounts"))
    fields = set(page.context["form"].fields)
    assert {
        "accounts__scoring__stages__mqa",
        "accounts__scoring__stages__mqa_min_roles",
        "accounts__scoring__level_weights__c_level",
    } <= fields

    # Thresholds must not decrease: the MQA bar under the engaged one is a field error.
    data = {**shown(page), "accounts__scoring__stages__mqa": "30"}
    response = client.post(editor_url(playbook, "accounts"), data)
    assert response.status_code == 400
    playbook.refresh_from_db()
    assert (playbook.accounts or {}).get("scoring", {}).get("stages", {}).get("mqa") in (None, 100)

    data = {
        **shown(page),
        "accounts__scoring__stages__mqa": "120",
        "accounts__scoring__stages__mqa_min_roles": "3",
        "accounts__scoring__level_weights__c_level": "250",
    }
    response = client.post(editor_url(playbook, "accounts"), data)
    assert response.status_code == 302
    playbook.refresh_from_db()
    assert playbook.accounts["scoring"]["stages"]["mqa"] == 120
    assert playbook.accounts["scoring"]["stages"]["mqa_min_roles"] == 3
    assert playbook.accounts["scoring"]["level_weights"]["c_level"] == 250
