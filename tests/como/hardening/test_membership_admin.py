"""Issue 10, defect 9: a membership that exists is a form error, not a 500, and naming a person
tells an owner nothing about who exists outside the workspaces they manage."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from como.workspaces.admin import NO_SUCH_USER
from como.workspaces.models import Membership, Workspace
from como.workspaces.services import membership_add
from tests.factories import UserFactory, WorkspaceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner(workspace: Workspace) -> Any:
    user = UserFactory.create(username="olivia")
    membership_add(workspace=workspace, user=user, role="owner")
    return user


def _inline(workspace: Workspace, *rows: tuple[str, str], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": workspace.name,
        "vertical": workspace.vertical,
        "time_zone": workspace.time_zone,
        "country": workspace.country,
        "postal_address": workspace.postal_address,
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": str(initial),
    }
    for index, (member, role) in enumerate(rows):
        data[f"memberships-{index}-member"] = member
        data[f"memberships-{index}-role"] = role
    return data


def _post_inline(client: Client, workspace: Workspace, *rows: tuple[str, str]) -> Any:
    url = reverse("admin:workspaces_workspace_change", args=[workspace.pk])
    return client.post(url, _inline(workspace, *rows))


def _inline_errors(response: Any) -> list[dict[str, list[str]]]:
    assert response.status_code == 200
    return [dict(e) for e in response.context["inline_admin_formsets"][0].formset.errors]


@pytest.mark.parametrize("superuser", [False, True], ids=["owner", "superuser"])
def test_adding_a_membership_that_exists_is_a_field_error(
    workspace: Workspace, owner: Any, superuser: bool
) -> None:
    caller = UserFactory.create(username="root", is_superuser=True) if superuser else owner
    ned = UserFactory.create(username="ned")
    membership_add(workspace=workspace, user=ned, role="approver")

    response = _client(caller).post(
        reverse("admin:workspaces_membership_add"),
        {"workspace": workspace.pk, "member": "ned", "role": "approver"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "role": ["This person already holds this role here."]
    }
    assert ned.memberships.count() == 1


def test_the_workspace_page_refuses_a_role_held_or_given_twice(
    workspace: Workspace, owner: Any
) -> None:
    client = _client(owner)
    ned = UserFactory.create(username="ned")
    membership_add(workspace=workspace, user=ned, role="viewer")

    held = _post_inline(client, workspace, ("ned", "viewer"))
    assert _inline_errors(held) == [{"role": ["This person already holds this role here."]}]

    twice = _post_inline(client, workspace, ("ned", "sales"), ("NED@staff.example.com", "sales"))
    assert _inline_errors(twice) == [{}, {"role": ["This person is given this role twice."]}]
    assert list(ned.memberships.values_list("role", flat=True)) == ["viewer"]


def test_the_answer_is_the_same_for_nobody_and_for_other_workspaces_people(
    workspace: Workspace, other_workspace: Workspace, owner: Any
) -> None:
    rival = UserFactory.create(username="rita", email="rita@rival.example")
    membership_add(workspace=other_workspace, user=rival, role="viewer")
    UserFactory.create(username="root", is_superuser=True)
    client = _client(owner)

    for name in [
        "nobody",
        "rita",
        "RITA@rival.example",
        other_workspace.agent_user.username,
        "root",
    ]:
        errors = _inline_errors(_post_inline(client, workspace, (name, "viewer")))
        assert errors == [{"member": [NO_SUCH_USER.format(name=name)]}], name
    assert not Membership.objects.filter(workspace=workspace).exclude(user=owner).exists()


def test_an_owner_adds_a_new_login_and_a_colleague_of_another_workspace_they_manage(
    workspace: Workspace, owner: Any
) -> None:
    second = WorkspaceFactory.create(slug="acme-eu")
    membership_add(workspace=second, user=owner, role="owner")
    colleague = UserFactory.create(username="carla")
    membership_add(workspace=second, user=colleague, role="marketer")
    UserFactory.create(username="newbie")

    response = _post_inline(_client(owner), workspace, ("newbie", "viewer"), ("carla", "sales"))

    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert set(workspace.memberships.values_list("user__username", "role")) == {
        ("olivia", "owner"),
        ("newbie", "viewer"),
        ("carla", "sales"),
    }


def test_a_superuser_adds_a_member_of_another_workspace(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    rival = UserFactory.create(username="rita")
    membership_add(workspace=other_workspace, user=rival, role="viewer")
    root = UserFactory.create(username="root", is_superuser=True)

    response = _client(root).post(
        reverse("admin:workspaces_membership_add"),
        {"workspace": workspace.pk, "member": "rita", "role": "viewer"},
    )

    assert response.status_code == 302
    assert rival.memberships.filter(workspace=workspace, role="viewer").exists()


def test_an_owner_keeps_editing_a_member_who_also_belongs_elsewhere(
    workspace: Workspace, other_workspace: Workspace, owner: Any
) -> None:
    shared = UserFactory.create(username="sam")
    membership_add(workspace=other_workspace, user=shared, role="owner")
    row = membership_add(workspace=workspace, user=shared, role="viewer")

    response = _client(owner).post(
        reverse("admin:workspaces_membership_change", args=[row.pk]),
        {"workspace": workspace.pk, "member": "sam", "role": "sales"},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    row.refresh_from_db()
    assert row.role == "sales"
