"""Roles a member holds in a workspace, and what each role may do."""

from __future__ import annotations

import enum

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MARKETER = "marketer", "Marketer"
    APPROVER = "approver", "Approver"
    SALES = "sales", "Sales"
    COMPLIANCE = "compliance", "Compliance"
    VIEWER = "viewer", "Viewer"


class Permission(enum.StrEnum):
    VIEW = "view"
    EDIT_DATA = "edit_data"
    PROPOSE = "propose"
    APPROVE = "approve"
    CONFIGURE_PLAYBOOK = "configure_playbook"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_API_KEYS = "manage_api_keys"
    HANDLE_HANDOFF = "handle_handoff"
    REVIEW_COMPLIANCE = "review_compliance"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.MARKETER: frozenset(
        {Permission.VIEW, Permission.EDIT_DATA, Permission.PROPOSE, Permission.CONFIGURE_PLAYBOOK}
    ),
    Role.APPROVER: frozenset({Permission.VIEW, Permission.APPROVE}),
    Role.SALES: frozenset({Permission.VIEW, Permission.HANDLE_HANDOFF}),
    Role.COMPLIANCE: frozenset({Permission.VIEW, Permission.REVIEW_COMPLIANCE}),
    Role.VIEWER: frozenset({Permission.VIEW}),
}

#: What a workspace API key (an integration) may do. It can never approve.
API_KEY_PERMISSIONS: frozenset[Permission] = frozenset({Permission.VIEW, Permission.EDIT_DATA})

#: What a workspace's agent identity may do. It proposes; it can never approve.
AGENT_PERMISSIONS: frozenset[Permission] = frozenset({Permission.VIEW, Permission.PROPOSE})

assert Permission.APPROVE not in API_KEY_PERMISSIONS | AGENT_PERMISSIONS


def permissions_for(roles: set[str] | frozenset[str]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[Role(role)]
    return frozenset(granted)
