from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from .principal import Principal, principal_for_request
from .roles import Permission


class IsWorkspaceCaller(permissions.BasePermission):
    """Authenticated and belonging to at least one workspace.

    Reads need ``view`` in some workspace, writes need ``edit_data``; which rows a caller
    sees is decided by the scoped queryset, not here.

    The base of every API permission: anonymous callers are refused and superusers let in
    here, once. A subclass says which permission a request needs (:meth:`needed`), or, when
    holding one permission somewhere is not the whole rule, overrides :meth:`allows`.
    """

    message = "Authenticate with a workspace API key or as a workspace member."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.user is None or not request.user.is_authenticated:
            return False
        principal = principal_for_request(request)
        return principal.is_superuser or self.allows(principal, request, view)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return principal_for_request(request).can(self.needed(request), _workspace_id(obj))

    def needed(self, request: Request) -> Permission:
        """What the request needs: in some workspace to reach the view, in the row's for a row."""
        reads = request.method in permissions.SAFE_METHODS
        return Permission.VIEW if reads else Permission.EDIT_DATA

    def allows(self, principal: Principal, request: Request, view: Any) -> bool:
        """Whether a signed-in caller who is no superuser may reach the view at all."""
        return bool(principal.workspaces_with(self.needed(request)))


def _workspace_id(obj: Any) -> int:
    from .models import Workspace

    # A workspace is its own tenant; every other scoped row names its workspace.
    return int(obj.pk if isinstance(obj, Workspace) else obj.workspace_id)
