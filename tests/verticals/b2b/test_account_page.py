"""The B2B account's page: the committee as roles by engagement (3/7, the four missing named),
the intent timeline from both provider shapes, a role override from the page (checked, scoped,
audited), and workspace isolation of the page, the override and the intent API."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from como.leads.services import contact_create
from como.workspaces.models import Workspace
from tests.como.agents.test_playbook_editor import owner_client
from tests.factories import WorkspaceFactory, member_client
from verticals.b2b.accounts.models import CommitteeMember

from .account_page_data import MISSING_LABELS, SIXSENSE, SURGE, demo_like_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def _page_url(pk: int) -> str:
    return reverse("admin:leads_account_change", args=[pk])


def _override_url(pk: int) -> str:
    return reverse("admin:leads_account_committee_role", args=[pk])


def test_the_page_shows_the_grid_the_timeline_and_the_members(workspace: Workspace) -> None:
    data = demo_like_account(workspace)
    client, _ = owner_client(workspace)

    page = client.get(_page_url(data.account.pk))

    assert page.status_code == 200
    html = page.content.decode()
    assert "data-coverage>3/7</strong>" in html
    assert f"<span data-missing>{', '.join(MISSING_LABELS)}</span>".replace("&", "&amp;") in html
    rows = page.context["committee_rows"]
    assert [r.key for r in rows if r.missing] == [
        "legal_compliance",
        "procurement",
        "executive_sponsor",
        "end_user",
    ]
    by_key = {r.key: r for r in rows}
    assert [c.view.name for c in by_key["champion"].engaged] == ["Cleo Acme"]
    assert by_key["champion"].idle == ()
    assert [c.view.name for c in by_key["executive_sponsor"].idle] == ["Xavi Acme"]
    assert by_key["executive_sponsor"].engaged == ()
    assert all(r.required for r in rows)
    assert len(rows) == 7
    # The header.
    for field, value in (("domain", "acme-robotics.com"), ("employees", "1200"), ("country", "US")):
        assert f'data-field="{field}">{value}</dd>' in html
    # The score panel: the account's score now, part by part, as its explanation gives it.
    score = page.context["account_score"]
    assert 'id="account-score"' in html
    assert f'data-figure="account_score.score">{score.score:.2f}</td>' in html
    assert score.score == pytest.approx(score.fit + score.members_intent + score.signals.intent)
    # The timeline: 4 weeks, 3 series (two Bombora topics, 6sense's company intent).
    timeline = page.context["timeline"]
    assert [s.label for s in timeline.series] == [
        "bombora · Data Lakehouse",
        "bombora · ETL",
        "6sense",
    ]
    assert timeline.total == 10
    assert timeline.surges == 4
    assert [w.surges for w in timeline.weeks[-4:]] == [0, 0, 1, 3]
    chart = json.loads(page.context["timeline"].chart())
    bars = {d["label"]: d["data"] for d in chart["datasets"] if d["type"] == "bar"}
    assert bars["bombora · ETL"][-4:] == list(SURGE["ETL"])
    assert bars["6sense"][-4:] == [0, 0, *SIXSENSE]
    assert html.count("data-surge") == 4
    # Every member links to their contact page.
    for contact in data.people.values():
        assert reverse("admin:leads_contact_change", args=[contact.pk]) in html


def test_a_role_override_from_the_page_changes_the_grid_and_is_audited(
    workspace: Workspace,
) -> None:
    data = demo_like_account(workspace)
    client, user = owner_client(workspace)
    uma = data.people["end_user"]

    response = client.post(
        _override_url(data.account.pk), {"contact": uma.pk, "role_choice": "procurement"}
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#committee-grid")
    member = CommitteeMember.objects.get(contact=uma)
    assert (member.role, member.role_source, member.set_by) == ("procurement", "manual", user)
    entry = LogEntry.objects.get(object_id=str(data.account.pk))
    assert entry.user == user
    assert entry.get_change_message() == (
        f"Committee role of {uma.email}: end_user (inferred) → procurement (manual)"
    )
    page = client.get(_page_url(data.account.pk))
    rows = {r.key: r for r in page.context["committee_rows"]}
    assert [c.view.name for c in rows["procurement"].idle] == ["Paco Acme", "Uma Acme"]
    assert rows["end_user"].idle == ()
    assert rows["end_user"].missing
    assert re.search(
        rf'data-member="{uma.pk}".*?<option value="procurement" selected>',
        page.content.decode(),
        re.S,
    )

    # No role on purpose: the member moves to the grid's "no committee role" row.
    client.post(_override_url(data.account.pk), {"contact": uma.pk, "role_choice": "__none__"})
    member.refresh_from_db()
    assert (member.role, member.role_source) == ("", "manual")
    page = client.get(_page_url(data.account.pk))
    rows = {r.key: r for r in page.context["committee_rows"]}
    assert [c.view.name for c in rows[""].idle] == ["Uma Acme"]
    assert rows[""].required is False

    # Back to automatic: the title decides again.
    client.post(_override_url(data.account.pk), {"contact": uma.pk, "role_choice": "__automatic__"})
    member.refresh_from_db()
    assert (member.role, member.role_source) == ("end_user", "inferred")


def test_a_bad_override_changes_nothing(workspace: Workspace) -> None:
    data = demo_like_account(workspace)
    client, _ = owner_client(workspace)
    uma = data.people["end_user"]
    stranger = contact_create(workspace=workspace, email="x@elsewhere-corp.com", title="CTO")
    before = sorted(CommitteeMember.objects.values_list("contact_id", "role", "role_source"))

    for body in (
        {"contact": uma.pk, "role_choice": "kingmaker"},
        {"contact": stranger.pk, "role_choice": "champion"},  # not this account's
        {"contact": "", "role_choice": "champion"},
    ):
        response = client.post(_override_url(data.account.pk), body)
        assert response.status_code == 302  # back to the page, with the errors as a message
        assert (
            sorted(CommitteeMember.objects.values_list("contact_id", "role", "role_source"))
            == before
        )
    page = client.get(_page_url(data.account.pk))
    assert "The role was not changed" in page.content.decode()
    assert not LogEntry.objects.exists()


def test_a_viewer_sees_the_grid_but_cannot_override(workspace: Workspace) -> None:
    data = demo_like_account(workspace)
    client = member_client(workspace, "viewer")
    page = client.get(_page_url(data.account.pk))
    assert page.status_code == 200
    assert page.context["can_override"] is False
    assert 'name="role_choice"' not in page.content.decode()
    uma = data.people["end_user"]
    response = client.post(
        _override_url(data.account.pk), {"contact": uma.pk, "role_choice": "procurement"}
    )
    assert response.status_code == 403
    assert CommitteeMember.objects.get(contact=uma).role == "end_user"


def test_another_workspaces_account_is_404_on_the_page_override_and_api(
    workspace: Workspace,
) -> None:
    data = demo_like_account(workspace)
    other = WorkspaceFactory.create(slug="other-co", vertical="b2b")
    client = member_client(other, "owner")
    pk = data.account.pk
    missing = pk + 1000
    uma = data.people["end_user"]

    assert client.get(_page_url(pk)).status_code == client.get(_page_url(missing)).status_code
    assert client.get(_page_url(pk)).status_code in (302, 404)
    body = {"contact": uma.pk, "role_choice": "procurement"}
    assert client.post(_override_url(pk), body).status_code == 404
    assert client.post(_override_url(missing), body).status_code == 404
    assert client.get(_override_url(pk)).status_code == 405
    assert CommitteeMember.objects.get(contact=uma).role == "end_user"
    for url in (f"/api/v1/accounts/{pk}/intent", f"/api/v1/accounts/{pk}/committee"):
        assert client.get(url).status_code == 404
    listed = client.get("/api/v1/intent/signals", {"account": pk})
    assert listed.status_code == 200
    assert listed.json()["results"] == []


def test_the_intent_signals_of_an_account_are_listed_paginated(workspace: Workspace) -> None:
    data = demo_like_account(workspace)
    client = member_client(workspace, "viewer")
    seen: list[int] = []
    url: str | None = f"/api/v1/intent/signals?account={data.account.pk}&limit=4"
    while url:
        answer = client.get(url)
        assert answer.status_code == 200
        body = answer.json()
        assert len(body["results"]) <= 4
        seen += [item["score"] for item in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted([*SURGE["ETL"], *SURGE["Data Lakehouse"], *SIXSENSE])


def test_the_page_reads_a_constant_number_of_queries_however_many_members(
    workspace: Workspace,
) -> None:
    data = demo_like_account(workspace)
    client, _ = owner_client(workspace)
    url = _page_url(data.account.pk)
    client.get(url)  # warm: sessions, content types

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    seven = queries()
    for n in range(7):
        contact_create(
            workspace=workspace, email=f"more{n}@acme-robotics.com", title="Data Analyst"
        )
    assert queries() == seven
