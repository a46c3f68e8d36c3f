"""One mechanism for tenancy: every workspace-owned row is read through a scoped queryset.

``visible_to(principal)`` is the only way API views and admin pages obtain rows; the base
classes in :mod:`como.workspaces.api_base` and :mod:`como.workspaces.admin_base` call it, and a
test walks every route and changelist to prove nothing bypasses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models

if TYPE_CHECKING:
    from .principal import Principal


class WorkspaceScopedQuerySet(models.QuerySet[Any]):
    #: the lookup from this model to its workspace id; override for indirectly owned rows
    workspace_lookup = "workspace_id"

    def for_workspace(self, workspace_id: int) -> Self:
        return self.filter(**{self.workspace_lookup: workspace_id})

    def visible_to(self, principal: Principal) -> Self:
        if principal.is_superuser:
            return self
        return self.filter(**{f"{self.workspace_lookup}__in": sorted(principal.workspace_ids)})


class WorkspaceOwned(models.Model):
    """Abstract base: a row that belongs to exactly one workspace."""

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="+"
    )

    objects = WorkspaceScopedQuerySet.as_manager()

    class Meta:
        abstract = True
