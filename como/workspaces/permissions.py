from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from .principal import principal_for_request
from .roles import Permission


class IsWorkspaceCaller(permissions.BasePermission):
    """Authenticated and belonging to at least one workspace.

    Reads need ``view`` in some workspace, writes need ``edit_data``; which rows a caller
    sees is decided by the scoped queryset, not here.
    """

    message = "Authenticate with a workspace API key or as a workspace member."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.user is None or not request.user.is_authenticated:
            return False
        principal = principal_for_request(request)
        if principal.is_superuser:
            return True
        needed = (
            Permission.VIEW if request.method in permissions.SAFE_METHODS else Permission.EDIT_DATA
        )
        return bool(principal.workspaces_with(needed))

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        needed = (
            Permission.VIEW if request.method in permissions.SAFE_METHODS else Permission.EDIT_DATA
        )
        return principal_for_request(request).can(needed, _workspace_id(obj))


def _workspace_id(obj: Any) -> int:
    from .models import Workspace

    # A workspace is its own tenant; every other scoped row names its workspace.
    return int(obj.pk if isinstance(obj, Workspace) else obj.workspace_id)
