"""The console's sidebar: pages grouped for an operator, only those the user may view, and a
registered page no group names still reachable."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from como.console.navigation import SIDEBAR, SidebarGroup, sidebar
from como.workspaces.models import Membership, Workspace
from tests.factories import UserFactory, member_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def _groups(user: Any) -> dict[str, list[str]]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return {
        group["title"]: [item["title"] for item in group["items"]] for group in sidebar(request)
    }


def test_a_member_sees_the_operator_groups_and_no_administration(workspace: Workspace) -> None:
    member_client(workspace, "viewer")
    groups = _groups(Membership.objects.get(workspace=workspace).user)

    assert list(groups)[:4] == [
        "Console",
        "Approvals",
        "Campaigns & channels",
        "Contacts & scoring",
    ]
    assert groups["Console"] == ["Dashboard", "Reports"]
    assert "Agent actions" in groups["Approvals"]
    assert "Playbooks" in groups["Playbook"]
    assert "Automotive" in groups  # registered by the vertical's ready()
    assert "Administration" not in groups  # users, beat, axes: Django permissions a member lacks
    assert "More" not in groups


def test_a_superuser_sees_administration_and_the_page_links_work() -> None:
    root = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    groups = _groups(root)
    assert groups["Administration"][:2] == ["Users", "Groups"]
    client = Client()
    client.force_login(root)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("admin:agents_agentaction_changelist") in html
    assert "Campaigns &amp; channels" in html


def test_a_page_no_group_names_shows_under_more() -> None:
    root = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    playbook = SIDEBAR.get("playbook")
    without_territories = SidebarGroup(
        playbook.key, playbook.title, playbook.order, playbook.pages[:1]
    )
    with SIDEBAR.override(playbook=without_territories):
        groups = _groups(root)
    assert groups["Playbook"] == ["Playbooks"]
    assert groups["More"] == ["Playbook versions", "Territories"]


def test_the_b2b_group_lists_the_accounts_and_everything_of_the_vertical(
    workspace: Workspace,
) -> None:
    member_client(workspace, "viewer")
    groups = _groups(Membership.objects.get(workspace=workspace).user)

    assert groups["B2B accounts"] == [
        "Accounts",
        "Committee members",
        "Intent signals",
        "Intent webhooks",
        "Account link runs",
    ]
    assert "Intent data" not in groups  # one B2B group, not two
    client = Client()
    client.force_login(Membership.objects.get(workspace=workspace).user)
    listing = client.get(reverse("admin:leads_account_changelist"))
    assert listing.status_code == 200
