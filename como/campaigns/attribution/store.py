# STUB for s18reports: replaced by s18compute's module at merge
"""Stored credit per opportunity and model (s18compute). This stub stores nothing: the stub
:mod:`.report` computes from :mod:`.credit` on each read, so recompute has nothing to do."""

from __future__ import annotations

from collections.abc import Collection

from como.workspaces.models import Workspace


def recompute(workspace: Workspace, *, opportunity_ids: Collection[int] | None = None) -> int:
    return 0
