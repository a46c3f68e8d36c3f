"""Who may do what: roles, API keys and the agent identity, which never approves."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from como.workspaces.models import Membership, Workspace
from como.workspaces.principal import CallerKind, principal_for_user
from como.workspaces.roles import (
    AGENT_PERMISSIONS,
    API_KEY_PERMISSIONS,
    ROLE_PERMISSIONS,
    Permission,
    Role,
    permissions_for,
)
from como.workspaces.services import membership_add
from tests.factories import UserFactory

P = Permission


def test_the_role_permission_table() -> None:
    table = dict(ROLE_PERMISSIONS)
    assert table == {
        Role.OWNER: frozenset(Permission),
        Role.MARKETER: {P.VIEW, P.EDIT_DATA, P.PROPOSE, P.CONFIGURE_PLAYBOOK},
        Role.APPROVER: {P.VIEW, P.APPROVE},
        Role.SALES: {P.VIEW, P.HANDLE_HANDOFF},
        Role.COMPLIANCE: {P.VIEW, P.REVIEW_COMPLIANCE},
        Role.VIEWER: {P.VIEW},
    }
    assert set(table) == set(Role)
    assert set(API_KEY_PERMISSIONS) == {P.VIEW, P.EDIT_DATA}
    assert set(AGENT_PERMISSIONS) == {P.VIEW, P.PROPOSE}


def test_only_owners_and_approvers_approve() -> None:
    assert {role for role, perms in ROLE_PERMISSIONS.items() if P.APPROVE in perms} == {
        Role.OWNER,
        Role.APPROVER,
    }


def test_roles_add_up() -> None:
    assert permissions_for({"marketer", "approver"}) == {
        P.VIEW,
        P.EDIT_DATA,
        P.PROPOSE,
        P.CONFIGURE_PLAYBOOK,
        P.APPROVE,
    }
    assert permissions_for(set()) == frozenset()


@pytest.mark.django_db
def test_a_members_permissions_are_per_workspace(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    user = UserFactory.create()
    membership_add(workspace=workspace, user=user, role=Role.APPROVER)
    membership_add(workspace=other_workspace, user=user, role=Role.VIEWER)

    principal = principal_for_user(user)

    assert principal.kind is CallerKind.MEMBER
    assert principal.can(P.APPROVE, workspace.pk)
    assert not principal.can(P.APPROVE, other_workspace.pk)
    assert principal.can(P.VIEW, other_workspace.pk)
    assert principal.workspaces_with(P.APPROVE) == {workspace.pk}


@pytest.mark.django_db
def test_the_agent_identity_proposes_and_never_approves(workspace: Workspace) -> None:
    principal = principal_for_user(workspace.agent_user)

    assert principal.kind is CallerKind.AGENT
    assert principal.workspace_ids == {workspace.pk}
    assert principal.can(P.PROPOSE, workspace.pk)
    assert not principal.can(P.APPROVE, workspace.pk)
    assert not workspace.agent_user.is_staff
    assert not workspace.agent_user.has_usable_password()


@pytest.mark.django_db
def test_the_agent_identity_cannot_be_given_a_membership(workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as raised:
        membership_add(workspace=workspace, user=workspace.agent_user, role=Role.APPROVER)

    assert raised.value.messages == ["An agent identity cannot be given a membership role."]
    assert not Membership.objects.filter(user=workspace.agent_user).exists()


@pytest.mark.django_db
def test_a_membership_row_smuggled_in_still_does_not_let_the_agent_approve(
    workspace: Workspace,
) -> None:
    Membership.objects.create(workspace=workspace, user=workspace.agent_user, role=Role.OWNER)
    workspace.agent_user.is_superuser = True
    workspace.agent_user.save()

    principal = principal_for_user(workspace.agent_user)

    assert principal.kind is CallerKind.AGENT
    assert not principal.can(P.APPROVE, workspace.pk)
