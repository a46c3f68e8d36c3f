"""What other parts can rely on: after an import commits, the handlers of
:data:`INVENTORY_CHANGED` get the workspace and the :class:`InventoryDiff` (ids of the vehicles
created, changed, sold, removed and returned), so the inventory-ads agent reacts in the same
second. Filled from an ``AppConfig.ready()``; a re-import that changes nothing calls nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from como.registry import Hooks

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InventoryDiff:
    import_id: int
    rooftop_id: int
    created: tuple[int, ...] = ()
    changed: tuple[int, ...] = ()
    sold: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()
    returned: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.created or self.changed or self.sold or self.removed or self.returned)


InventoryChanged = Callable[[int, InventoryDiff], object]

#: handlers(workspace_id, diff), called once the import's transaction has committed.
INVENTORY_CHANGED: Hooks[InventoryChanged] = Hooks()


def register_inventory_changed(handler: InventoryChanged) -> InventoryChanged:
    return INVENTORY_CHANGED.register(handler)


def inventory_changed_on_commit(*, workspace_id: int, diff: InventoryDiff) -> None:
    """Call the handlers when the current transaction commits (at once outside one). Each is
    called on its own: one that fails is logged and the others still run."""
    if not diff:
        return
    for handler in INVENTORY_CHANGED.all():
        transaction.on_commit(_bound(handler, workspace_id, diff), robust=True)


def _bound(handler: InventoryChanged, workspace_id: int, diff: InventoryDiff) -> Callable[[], None]:
    def call() -> None:
        handler(workspace_id, diff)

    return call
