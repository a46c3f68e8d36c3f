"""Reactions of higher floors to deals, without deals importing them.

Attribution (campaigns, a floor up) stores credit per opportunity and must recompute it when a
deal opens, closes or changes its amount; it registers a handler here from its
``AppConfig.ready()`` and :func:`como.deals.services.opportunities_upsert` calls
:func:`opportunities_changed` inside its transaction (a handler that does slow work defers it
with ``transaction.on_commit``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from como.registry import Hooks

if TYPE_CHECKING:
    from como.workspaces.models import Workspace

#: ``handler(workspace, opportunity_ids)``: these opportunities were created or changed.
OpportunitiesChanged = Callable[["Workspace", Sequence[int]], None]
OPPORTUNITIES_CHANGED: Hooks[OpportunitiesChanged] = Hooks()


def register_opportunities_changed(handler: OpportunitiesChanged) -> OpportunitiesChanged:
    return OPPORTUNITIES_CHANGED.register(handler)


def opportunities_changed(workspace: Workspace, opportunity_ids: Sequence[int]) -> None:
    ids = sorted(set(opportunity_ids))
    if not ids:
        return
    for handler in OPPORTUNITIES_CHANGED.all():
        handler(workspace, ids)
