"""Who is calling: a member, a workspace API key, or a workspace's agent identity."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .roles import AGENT_PERMISSIONS, API_KEY_PERMISSIONS, Permission, permissions_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import ApiKey
    from .users import User


class CallerKind(enum.StrEnum):
    MEMBER = "member"
    API_KEY = "api_key"
    AGENT = "agent"
    SUPERUSER = "superuser"


@dataclass(frozen=True)
class Principal:
    kind: CallerKind
    permissions: Mapping[int, frozenset[Permission]] = field(default_factory=dict)
    user_id: int | None = None
    api_key_id: int | None = None

    @property
    def is_superuser(self) -> bool:
        return self.kind is CallerKind.SUPERUSER

    @property
    def workspace_ids(self) -> frozenset[int]:
        return frozenset(self.permissions)

    def can(self, permission: Permission, workspace_id: int) -> bool:
        if permission is Permission.APPROVE and self.kind in (CallerKind.API_KEY, CallerKind.AGENT):
            return False  # approval always names a person
        if self.is_superuser:
            return True
        return permission in self.permissions.get(workspace_id, frozenset())

    def workspaces_with(self, permission: Permission) -> frozenset[int]:
        return frozenset(ws for ws, perms in self.permissions.items() if permission in perms)


def principal_for_api_key(key: ApiKey) -> Principal:
    return Principal(
        kind=CallerKind.API_KEY,
        permissions={key.workspace_id: API_KEY_PERMISSIONS},
        api_key_id=key.pk,
    )


def principal_for_user(user: User | AnonymousUser | None) -> Principal:
    from .models import Membership, Workspace

    if user is None or not user.is_authenticated:
        return Principal(kind=CallerKind.MEMBER)
    agent_workspace = Workspace.objects.filter(agent_user_id=user.pk).values_list("pk", flat=True)
    agent_of = list(agent_workspace)
    if agent_of:
        return Principal(
            kind=CallerKind.AGENT,
            permissions={agent_of[0]: AGENT_PERMISSIONS},
            user_id=user.pk,
        )
    if user.is_superuser:
        return Principal(kind=CallerKind.SUPERUSER, user_id=user.pk)
    roles: dict[int, set[str]] = {}
    for workspace_id, role in Membership.objects.filter(user_id=user.pk).values_list(
        "workspace_id", "role"
    ):
        roles.setdefault(workspace_id, set()).add(role)
    return Principal(
        kind=CallerKind.MEMBER,
        permissions={ws: permissions_for(r) for ws, r in roles.items()},
        user_id=user.pk,
    )


def principal_for_request(request: Any) -> Principal:
    """The principal behind a Django or DRF request, computed once per request."""
    cached = getattr(request, "_como_principal", None)
    if cached is not None:
        return cached
    from .models import ApiKey

    auth = getattr(request, "auth", None)
    principal = (
        principal_for_api_key(auth)
        if isinstance(auth, ApiKey)
        else principal_for_user(getattr(request, "user", None))
    )
    request._como_principal = principal
    return principal
