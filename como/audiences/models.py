"""A saved audience: a named rule over the workspace's contacts (:mod:`.rules`), stored as
validated data and compiled to one query whenever it is read, so it is never a stale list."""

from __future__ import annotations

from django.db import models

from como.workspaces.scoping import WorkspaceOwned


class SavedAudience(WorkspaceOwned):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    #: The validated rule (como.audiences.rules.Rule): every criterion given must hold.
    rule = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="audience_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
