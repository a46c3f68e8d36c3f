"""Choosing an account's owner in the admin, as a workspace member (not a superuser)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from como.leads.models import Account
from como.leads.services import OWNER_NOT_A_MEMBER
from como.workspaces.models import Workspace
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

ADD = reverse("admin:leads_account_add")


def _member(workspace: Workspace, username: str, role: str = "sales") -> Any:
    user = UserFactory.create(username=username)
    MembershipFactory.create(workspace=workspace, user=user, role=role)
    return user


def _staff(*workspaces: Workspace) -> Client:
    user = UserFactory.create(username="staffer")
    for workspace in workspaces:
        MembershipFactory.create(workspace=workspace, user=user, role="marketer")
    client = Client()
    client.force_login(user)
    return client


def _offered(page: Any) -> list[str]:
    field = page.context["adminform"].form.fields["owner"]
    return [user.username for user in field.queryset]


def _post(client: Client, url: str, **fields: Any) -> Any:
    """The account form as a browser posts it, with its (empty) inlines: the contacts, and
    whatever a vertical adds (the B2B committee)."""
    page = client.get(url)
    data = {
        **{
            f"{inline.formset.prefix}-{part}": value
            for inline in page.context["inline_admin_formsets"]
            for part, value in (
                ("TOTAL_FORMS", "0"),
                ("INITIAL_FORMS", str(len(inline.formset.forms))),
            )
        },
        "attributes": "{}",
        **{name: "" if value is None else str(value) for name, value in fields.items()},
    }
    return client.post(url, data)


def test_a_saved_accounts_picker_offers_only_its_workspaces_members(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    # The staff user may edit both workspaces; the page of an acme account still offers only
    # acme's people.
    client = _staff(workspace, other_workspace)
    _member(workspace, "ana")
    _member(workspace, "vic", role="viewer")
    _member(other_workspace, "rival-rep")
    account = AccountFactory.create(workspace=workspace, name="Acme")

    page = client.get(reverse("admin:leads_account_change", args=[account.pk]))

    assert page.status_code == 200
    assert _offered(page) == ["ana", "staffer", "vic"]
    assert "rival-rep" not in page.content.decode()


def test_the_add_picker_offers_members_of_the_workspaces_the_caller_may_edit(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    third = WorkspaceFactory.create(slug="third", vertical="b2b")
    client = _staff(workspace, other_workspace)
    _member(workspace, "ana")
    _member(other_workspace, "rival-rep")
    _member(third, "stranger")

    page = client.get(ADD)

    assert page.status_code == 200
    assert _offered(page) == ["ana", "rival-rep", "staffer"]
    assert "stranger" not in page.content.decode()


def test_adding_with_a_member_of_another_workspace_is_a_form_error(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    client = _staff(workspace, other_workspace)
    rival_rep = _member(other_workspace, "rival-rep")

    response = _post(client, ADD, workspace=workspace.pk, name="Acme", owner=rival_rep.pk)

    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors == {"owner": [OWNER_NOT_A_MEMBER]}
    assert not Account.objects.exists()


def test_adding_and_changing_the_owner_saves_it(workspace: Workspace) -> None:
    client = _staff(workspace)
    ana, ben = _member(workspace, "ana"), _member(workspace, "ben")

    added = _post(client, ADD, workspace=workspace.pk, name="Acme", owner=ana.pk)
    account = Account.objects.get()
    assert added.status_code == 302, added.context and added.context["adminform"].form.errors
    assert account.owner_id == ana.pk

    change = reverse("admin:leads_account_change", args=[account.pk])
    changed = _post(client, change, name="Acme", owner=ben.pk)
    account.refresh_from_db()
    assert changed.status_code == 302
    assert account.owner_id == ben.pk

    cleared = _post(client, change, name="Acme", owner=None)
    account.refresh_from_db()
    assert cleared.status_code == 302
    assert account.owner_id is None


def test_a_posted_non_member_is_refused_on_a_saved_account(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    client = _staff(workspace, other_workspace)
    rival_rep = _member(other_workspace, "rival-rep")
    account = AccountFactory.create(workspace=workspace, name="Acme")

    response = _post(
        client,
        reverse("admin:leads_account_change", args=[account.pk]),
        name="Acme",
        owner=rival_rep.pk,
    )

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["owner"]
    account.refresh_from_db()
    assert account.owner_id is None


def test_an_owner_who_left_is_shown_and_must_be_replaced(workspace: Workspace) -> None:
    client = _staff(workspace)
    gone = _member(workspace, "gone")
    account = AccountFactory.create(workspace=workspace, name="Acme", owner=gone)
    gone.memberships.all().delete()
    change = reverse("admin:leads_account_change", args=[account.pk])

    page = client.get(change)
    kept = _post(client, change, name="Acme", owner=gone.pk)

    assert _offered(page) == ["gone", "staffer"]
    assert page.context["adminform"].form.initial["owner"] == gone.pk
    assert kept.context["adminform"].form.errors == {"owner": [OWNER_NOT_A_MEMBER]}


def test_the_changelist_shows_the_owner(workspace: Workspace) -> None:
    client = _staff(workspace)
    AccountFactory.create(workspace=workspace, name="Acme", owner=_member(workspace, "ana"))

    page = client.get(reverse("admin:leads_account_changelist"))

    assert "owner" in page.context["cl"].list_display
    cell = re.search(r'<td class="field-owner[ "][^>]*>(.*?)</td>', page.content.decode(), re.S)
    assert cell is not None
    assert cell.group(1).strip() == "ana"
